#!/usr/bin/env bash
# THE test command (`bun run test` / `npm test`): every test, unit and integration, then one
# line "N passed, N failed, N skipped". Keeps bun's exit code; a crash never reads as clean.
# Integration tests need PostgreSQL (PULSE_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
set -uo pipefail
cd "$(dirname "$0")/.."
BUN=${BUN:-$(command -v bun || echo node_modules/.bin/bun)}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$BUN" test --timeout=30000 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
num() { local v; v=$(grep -E "^ *[0-9]+ $1\$" "$log" | tail -1 | awk '{print $1}'); echo "${v:-0}"; }
pass=$(num pass); fail=$(num fail); err=$(num error); skip=$(( $(num skip) + $(num todo) ))
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=$(( err > 0 ? err : 1 )); fi
echo
echo "${pass} passed, ${fail} failed, ${skip} skipped"
exit "$rc"

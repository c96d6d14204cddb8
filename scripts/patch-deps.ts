/**
 * Runs after every install (`postinstall`). postgres.js 3.4.9 can crash the whole process when
 * PostgreSQL goes away mid-transaction: a write scheduled with setImmediate runs after the
 * connection closed and calls `socket.write` on null, outside any caller's try/catch
 * (porsager/postgres#1208, #1066, #1154; fixes proposed in #1168 and #1209, not released).
 * `src/http/api/outage.int.test.ts` reproduces it. Until a release carries the fix, this adds
 * the guard from #1209: with no socket, fail the pending queries with CONNECTION_CLOSED
 * instead of throwing. Idempotent; fails loudly if the code it patches has changed.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const FILES = ["src/connection.js", "cjs/src/connection.js", "cf/src/connection.js"].map((f) => join(ROOT, "node_modules/postgres", f));
const BEFORE = "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)";
const AFTER = `  function nextWrite(fn) {
    if (!socket) { // patched by pulse scripts/patch-deps.ts (porsager/postgres#1208)
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options, socket))
      return false
    }
    const x = socket.write(chunk, fn)`;

for (const file of FILES) {
  if (!existsSync(file)) continue;
  const source = readFileSync(file, "utf8");
  const fixedUpstream = /function nextWrite\(fn\) \{\s+if \(!socket\)/.test(source);
  if (source.includes("patched by pulse") || fixedUpstream) continue;
  if (!source.includes(BEFORE)) {
    console.error(`patch-deps: ${file} no longer has the code this patch expects; check whether postgres.js fixed porsager/postgres#1208 and update scripts/patch-deps.ts`);
    process.exit(1);
  }
  writeFileSync(file, source.replace(BEFORE, AFTER));
  console.log(`patch-deps: guarded nextWrite in ${file.slice(ROOT.length + 1)}`);
}

/** Summary of repeated timings, in milliseconds. */
export function summarize(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `n=${s.length} min=${s[0]!.toFixed(1)} median=${at(0.5).toFixed(1)} p95=${at(0.95).toFixed(1)} max=${s.at(-1)!.toFixed(1)} ms`;
}

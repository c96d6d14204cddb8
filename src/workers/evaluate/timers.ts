/**
 * Deadlines by the second. Each key is filed once, under the earliest second asked for: a
 * later deadline for a key that already waits is not filed again (the key's owner finds it
 * not yet due when it comes up, and files it anew), so a device sending every second costs
 * one entry, not one per message. An entry superseded by an earlier one is skipped.
 */
export class TimerWheel {
  private readonly buckets = new Map<number, Set<string>>();
  /** The second each key is filed under. */
  private readonly pending = new Map<string, number>();
  private cursor: number;

  constructor(now: number) {
    this.cursor = Math.floor(now / 1000);
  }

  schedule(key: string, at: number): void {
    const second = Math.max(this.cursor + 1, Math.ceil(at / 1000));
    const filed = this.pending.get(key);
    if (filed !== undefined && filed <= second) return;
    this.pending.set(key, second);
    let b = this.buckets.get(second);
    if (!b) this.buckets.set(second, (b = new Set()));
    b.add(key);
  }

  /** Keys due up to `now`, each once. */
  *due(now: number): Generator<string> {
    const until = Math.floor(now / 1000);
    while (this.cursor < until) {
      this.cursor++;
      const b = this.buckets.get(this.cursor);
      if (!b) continue;
      this.buckets.delete(this.cursor);
      for (const key of b) {
        if (this.pending.get(key) !== this.cursor) continue;
        this.pending.delete(key);
        yield key;
      }
    }
  }

  get size(): number {
    return this.pending.size;
  }
}

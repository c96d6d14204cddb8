/**
 * Deadlines by the second: a key is filed under the second it falls due and handed out once
 * that second has passed. Re-filing a key does not remove the old entry; callers check the
 * key's current deadline when it comes up, which keeps scheduling O(1).
 */
export class TimerWheel {
  private readonly buckets = new Map<number, Set<string>>();
  private cursor: number;

  constructor(now: number) {
    this.cursor = Math.floor(now / 1000);
  }

  schedule(key: string, at: number): void {
    const second = Math.max(this.cursor + 1, Math.ceil(at / 1000));
    let b = this.buckets.get(second);
    if (!b) this.buckets.set(second, (b = new Set()));
    b.add(key);
  }

  /** Keys due up to `now`, each second's once. */
  *due(now: number): Generator<string> {
    const until = Math.floor(now / 1000);
    while (this.cursor < until) {
      this.cursor++;
      const b = this.buckets.get(this.cursor);
      if (!b) continue;
      this.buckets.delete(this.cursor);
      yield* b;
    }
  }

  get size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }
}

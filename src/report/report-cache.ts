/**
 * A byte-bounded LRU of assembled report bodies. A key carries the peer's and
 * its session's `updated_at`, which every stored batch, join and leave bumps,
 * so a cached body is never stale: a live peer's next batch makes a new key,
 * and a finished call's report (immutable) is served from memory.
 */

/** LRU of response bodies, bounded by total bytes. */
export class ReportCache {
  readonly #entries = new Map<string, Buffer>();
  #size = 0;

  constructor(private readonly maxChars = 128 * 1024 * 1024) {}

  /** Whether caching is on (a zero bound turns it off). */
  get enabled(): boolean {
    return this.maxChars > 0;
  }

  /** The cached body for `key`, refreshing its recency. */
  get(key: string): Buffer | undefined {
    const body = this.#entries.get(key);
    if (body === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, body);
    return body;
  }

  /** Stores `body`, evicting the least recently used entries beyond the bound. */
  set(key: string, body: Buffer): void {
    if (this.maxChars <= 0 || body.length > this.maxChars / 4) return;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#size -= old.length;
      this.#entries.delete(key);
    }
    this.#entries.set(key, body);
    this.#size += body.length;
    for (const [k, v] of this.#entries) {
      if (this.#size <= this.maxChars) break;
      this.#entries.delete(k);
      this.#size -= v.length;
    }
  }

  /** Number of cached bodies. */
  get size(): number {
    return this.#entries.size;
  }
}

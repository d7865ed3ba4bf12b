/**
 * A byte-bounded LRU of assembled report bodies. A key carries the peer's and
 * its session's `updated_at`, which every stored batch, join and leave bumps,
 * so a cached body is never stale: a live peer's next batch makes a new key,
 * and a finished call's report (immutable) is served from memory.
 */
import { LRUCache } from 'lru-cache';

/** LRU of response bodies, bounded by total bytes. */
export class ReportCache {
  /** Absent when the bound is zero (caching off). */
  readonly #entries: LRUCache<string, Buffer> | undefined;

  constructor(private readonly maxChars = 128 * 1024 * 1024) {
    this.#entries =
      maxChars > 0
        ? new LRUCache({
            maxSize: maxChars,
            // A body over a quarter of the bound would evict too much of the rest: not cached.
            maxEntrySize: maxChars / 4,
            // lru-cache sizes must be positive.
            sizeCalculation: (body) => Math.max(1, body.length),
          })
        : undefined;
  }

  /** Whether caching is on (a zero bound turns it off). */
  get enabled(): boolean {
    return this.maxChars > 0;
  }

  /** The cached body for `key`, refreshing its recency. */
  get(key: string): Buffer | undefined {
    return this.#entries?.get(key);
  }

  /** Stores `body`, evicting the least recently used entries beyond the bound. */
  set(key: string, body: Buffer): void {
    this.#entries?.set(key, body);
  }

  /** Number of cached bodies. */
  get size(): number {
    return this.#entries?.size ?? 0;
  }
}

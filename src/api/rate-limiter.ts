/**
 * Per-key token buckets (the ingest's requests per participant): each key may
 * send `burst` requests at once and `ratePerSecond` on average. Memory stays
 * bounded: buckets that have refilled completely carry no information and
 * are dropped when the map grows.
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** A token-bucket rate limiter keyed by string. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxKeys: number;

  /** `ratePerSecond` 0 disables the limiter (every request passes). */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    maxKeys = 100_000,
  ) {
    this.#maxKeys = maxKeys;
  }

  /** Buckets held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes one token of `key`'s bucket: 0 when the request may go, else the
   * seconds until a token is available again (the `Retry-After`).
   */
  take(key: string, now = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0;
    const capacity = Math.max(1, this.burst);
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#prune(now);
      b = { tokens: capacity, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.ratePerSecond;
  }

  /** Drops full buckets (their keys are as if never seen); if none is full, the oldest half. */
  #prune(now: number): void {
    const capacity = Math.max(1, this.burst);
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= capacity)
        this.#buckets.delete(key);
    }
    if (this.#buckets.size >= this.#maxKeys) {
      let n = this.#buckets.size / 2;
      for (const key of this.#buckets.keys()) {
        if (n-- <= 0) break;
        this.#buckets.delete(key);
      }
    }
  }
}

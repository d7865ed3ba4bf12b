/**
 * A value read from the database at most once per `ttlMs`, for gauges: a
 * scrape every few seconds (or several Prometheus servers scraping) must not
 * turn into a query each time, and concurrent scrapes share one read. A
 * failed read keeps the previous value (and is logged), so a busy database
 * makes a gauge stale rather than breaking the whole scrape.
 */
export class CachedReading {
  #value = 0;
  #readAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<number> | undefined;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly ttlMs: number,
    private readonly what: string,
  ) {}

  /** The cached value, read anew when older than the TTL. */
  async value(now = performance.now()): Promise<number> {
    if (now - this.#readAt < this.ttlMs) return this.#value;
    this.#pending ??= this.read()
      .then((v) => {
        this.#value = v;
        this.#readAt = performance.now();
        return v;
      })
      .catch((err: unknown) => {
        console.error(
          `metrics: reading ${this.what} failed:`,
          err instanceof Error ? err.message : err,
        );
        return this.#value;
      })
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }
}

/**
 * Short-lived memo of the reads behind a report's `quality_cohort` (src/report/report-cohort.ts): the peer's
 * rollup row, the week's buckets of its app, ASN and browser, and its rank among the peers of its ASN and
 * browser. Those move only as other peers of the app finish, so every report of the app asked within
 * {@link COHORT_TTL_MS} shares them instead of 5 queries per request; a cohort is at most that much behind.
 */

/** How long a read stays valid. */
export const COHORT_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/** A bounded memo of promises by key, each valid for `ttlMs` after it was started. */
export class CohortCache {
  readonly #entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs = COHORT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The memoised value of `key`, or `read()`'s (memoised; a failed read is not kept). */
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.#entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value as Promise<T>;
    if (hit) this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) {
      // Oldest first (insertion order): the first entry is the closest to expiry.
      const first = this.#entries.keys().next().value;
      if (first !== undefined) this.#entries.delete(first);
    }
    const value = read();
    this.#entries.set(key, { at: t, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  /** Forgets `key`. */
  delete(key: string): void {
    this.#entries.delete(key);
  }
}

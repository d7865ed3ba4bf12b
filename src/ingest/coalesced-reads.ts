/**
 * Reads by key, coalesced: the keys asked for while earlier reads are in
 * flight go to the database together in the next read.
 *
 * The ingest reads a peer's stream states fresh before preparing each batch
 * where several processes share the database (PostgreSQL). One query per
 * request was half of all its statements; at the collector's 10 s batches a
 * process serves ~1,500 requests a second, so most reads find one in flight
 * and wait for the next, which carries all of them. An idle server pays no
 * wait: a read starts on the next turn of the event loop.
 */

/** Most reads in flight at once (each holds one pooled connection). */
const DEFAULT_IN_FLIGHT = 2;

/** Most keys in one read (the statement binds them as one array, the rows are a few KB a key). */
const DEFAULT_MAX_KEYS = 256;

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(err: unknown): void;
}

/** Coalesces `get(key)` calls into `read(keys)` calls, at most `inFlight` at once. */
export class CoalescedReads<V> {
  readonly #waiting = new Map<string, Waiter<V>[]>();
  #inFlight = 0;
  #scheduled = false;

  /**
   * @param read reads the values of `keys` (a key with no value has no entry);
   *   a failure fails every get of that read, and only those.
   */
  constructor(
    private readonly read: (keys: string[]) => Promise<Map<string, V>>,
    private readonly inFlight = DEFAULT_IN_FLIGHT,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  /** The value of `key` as read after this call (undefined when it has none). */
  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.inFlight || this.#waiting.size === 0) return;
    this.#scheduled = true;
    // The next turn: the requests already parsed on this one join the read.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#send();
    });
  }

  async #send(): Promise<void> {
    if (this.#inFlight >= this.inFlight || this.#waiting.size === 0) return;
    const batch = new Map<string, Waiter<V>[]>();
    for (const [key, waiters] of this.#waiting) {
      if (batch.size >= this.maxKeys) break;
      batch.set(key, waiters);
    }
    for (const key of batch.keys()) this.#waiting.delete(key);
    this.#inFlight++;
    // More than one read's worth waiting: the next read may start now, beside this one.
    this.#schedule();
    try {
      const values = await this.read([...batch.keys()]);
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(values.get(key));
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    } finally {
      this.#inFlight--;
      this.#schedule();
    }
  }
}

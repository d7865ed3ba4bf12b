/**
 * The stream states (last stored sample per stream) of recently active peers,
 * kept in memory so that preparing a batch does not read them from the
 * database each time. Only a hint: the batch write reads the states again
 * under the write lock and derives anew when they differ (another process, a
 * concurrent retry), so a stale entry costs time, never correctness.
 */
import { LRUCache } from 'lru-cache';
import type { KnownState } from './derive-stream-chunks.ts';

/** Peers kept by default (~2.5 KB each for four streams). */
const DEFAULT_CAPACITY = 10_000;

/** Least-recently-used map of peer id → its streams' states. */
export class StreamStateCache {
  readonly #peers: LRUCache<string, Map<string, KnownState>>;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.#peers = new LRUCache({ max: capacity });
  }

  /** The peer's states as last seen, or undefined when the peer is not cached. */
  get(peerId: string): KnownState[] | undefined {
    const states = this.#peers.get(peerId);
    return states ? [...states.values()] : undefined;
  }

  /** Replaces the peer's states (all of them, as read from the database). */
  set(peerId: string, states: readonly KnownState[]): void {
    this.#peers.set(peerId, new Map(states.map((s) => [s.stream_key, s])));
  }

  /** Records states just committed for some of a cached peer's streams. */
  update(peerId: string, states: readonly KnownState[]): void {
    const cached = this.#peers.peek(peerId); // no recency change, as before
    if (!cached) return; // not known in full: the next batch reads them
    for (const s of states) cached.set(s.stream_key, s);
  }

  /** Forgets the peer (its states may have changed in ways this process did not see). */
  forget(peerId: string): void {
    this.#peers.delete(peerId);
  }
}

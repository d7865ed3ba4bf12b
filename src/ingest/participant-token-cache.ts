/**
 * Short-lived cache of participant-token lookups for the ingest hot path.
 * Deleting a participant or refreshing its token invalidates its entries in
 * this process at once; other server processes see the change within the TTL.
 */
import { LRUCache } from 'lru-cache';
import type { Store } from '../store/store.ts';
import type { ParticipantRecord } from '../store/participants.ts';

/** Cache of token → participant. */
export class ParticipantTokenCache {
  // An unknown token is cached too (`participant: undefined`): lru-cache does not store undefined itself.
  readonly #entries: LRUCache<string, { participant: ParticipantRecord | undefined }>;

  constructor(
    private readonly store: Store,
    ttlMs = 2_000,
    capacity = 50_000,
  ) {
    this.#entries = new LRUCache({ max: capacity, ttl: ttlMs });
  }

  /** The live participant holding `token`, if any. */
  async lookup(token: string): Promise<ParticipantRecord | undefined> {
    const hit = this.#entries.get(token);
    if (hit) return hit.participant;
    const participant = await this.store.participants.findByToken(token);
    this.#entries.set(token, { participant });
    return participant;
  }

  /** Forgets every cached token of `participantId`. */
  invalidate(participantId: string): void {
    const tokens = [...this.#entries.entries()]
      .filter(([, e]) => e.participant?.id === participantId)
      .map(([token]) => token);
    for (const token of tokens) this.#entries.delete(token);
  }
}

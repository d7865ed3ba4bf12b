/**
 * Short-lived cache of participant-token lookups for the ingest hot path.
 * Deleting a participant or refreshing its token invalidates its entries in
 * this process at once; other server processes see the change within the TTL.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { findParticipantByToken, type ParticipantRecord } from '../store/participants.ts';

/** Cache of token → participant. */
export class ParticipantTokenCache {
  readonly #entries = new Map<string, { participant: ParticipantRecord | undefined; at: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 2_000,
    private readonly capacity = 50_000,
  ) {}

  /** The live participant holding `token`, if any. */
  async lookup(token: string): Promise<ParticipantRecord | undefined> {
    const now = Date.now();
    const hit = this.#entries.get(token);
    if (hit && now - hit.at < this.ttlMs) return hit.participant;
    const participant = await findParticipantByToken(this.db, token);
    if (this.#entries.size >= this.capacity) this.#entries.clear();
    this.#entries.set(token, { participant, at: now });
    return participant;
  }

  /** Forgets every cached token of `participantId`. */
  invalidate(participantId: string): void {
    for (const [token, e] of this.#entries)
      if (e.participant?.id === participantId) this.#entries.delete(token);
  }
}

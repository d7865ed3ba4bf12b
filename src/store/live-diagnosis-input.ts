/**
 * The diagnosis engine's input for a live peer's recent telemetry (the live
 * alerts, webhooks/live-alerts.ts): the chunks stored since `since` (server
 * clock, `received_at`), with their metric columns only, and the peer's
 * events from a minute before the oldest of them on. The precall result is
 * left out (a prediction is not a live issue).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { DiagnosisInput } from '../analytics/diagnosis/types.ts';
import { readDiagnosisInput } from './peer-diagnosis.ts';

/** Events this long before the oldest recent chunk are read too (ICE state changes that opened an episode). */
const EVENTS_BEFORE_MS = 60_000;

/** The input for `peer` from its chunks stored since `since`. */
export async function liveDiagnosisInput(
  db: Kysely<Database>,
  _dialect: StoreDialect,
  peer: { id: string; joined_at: number | string },
  since: number,
): Promise<DiagnosisInput> {
  const chunks = await db
    .selectFrom('quality_chunks')
    .select(['series', 'stream_key', 'first_ts', 'metrics'])
    .where('peer_id', '=', peer.id)
    .where('received_at', '>=', since)
    .execute();
  // Report order: by series, stream, then time (the engine reads each stream's intervals in time order).
  chunks.sort(
    (a, b) =>
      a.series.localeCompare(b.series) ||
      a.stream_key.localeCompare(b.stream_key) ||
      Number(a.first_ts) - Number(b.first_ts),
  );
  const oldest = chunks.reduce((min, c) => Math.min(min, Number(c.first_ts)), Infinity);
  return readDiagnosisInput(
    db,
    { id: peer.id, joined_at: Number(peer.joined_at), left_at: null, precall: null },
    chunks,
    Number.isFinite(oldest) ? oldest - EVENTS_BEFORE_MS : undefined,
  );
}

/**
 * The second retention level: per-peer summaries. `PEER_REPORT_RETENTION_DAYS`
 * (retention.ts) removes a finished peer's raw telemetry (per-sample chunks,
 * events, candidate pairs, …) and keeps the peer row: who joined, when, from
 * which device and network (truncated), and its stored quality aggregates.
 * `PEER_REPORT_SUMMARY_RETENTION_DAYS` removes those peer rows too, with
 * anything left of them, once they were last updated that many days ago.
 * Sessions stay, with their counters (they describe the meeting, not a person).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { deletePeerRows } from './participant-erasure.ts';
import { yieldToEventLoop } from '../util/yield-to-event-loop.ts';

const DAY_MS = 86_400_000;
/** Peers removed per transaction: bounds a transaction's locks and the event loop's pause. */
const BATCH = 1_000;

/** Deletes finished peers last updated before `now - summaryDays` and their rows (nothing when `summaryDays` is 0); returns how many. */
export async function applySummaryRetention(
  db: Kysely<Database>,
  now: number,
  summaryDays: number,
): Promise<number> {
  if (!summaryDays || summaryDays <= 0) return 0;
  const cutoff = now - summaryDays * DAY_MS;
  let removed = 0;
  for (;;) {
    const peers = await db
      .selectFrom('peers')
      .select('id')
      .where('status', '=', 'left')
      .where('updated_at', '<', cutoff)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (peers.length === 0) return removed;
    await db.transaction().execute((tx) =>
      deletePeerRows(
        tx,
        peers.map((p) => p.id),
      ),
    );
    removed += peers.length;
    await yieldToEventLoop();
  }
}

/**
 * What is stored about a finished peer's quality, in one transaction and in
 * this order (docs/fleet-quality.md, "Verdict source"):
 *
 * 1. its aggregates (every `*_cumulative` object and the `quality_stats`
 *    summary), from the metric columns alone;
 * 2. its own diagnosis, from the same metric rows, then the diagnoses after
 *    blame of it and of the session's other finished peers (the listing
 *    verdicts; a peer whose verdict or issue kinds changed gets its rollup
 *    corrected);
 * 3. its fleet rollup, with the verdict and issue kinds of that diagnosis;
 * 4. with `announce`, the `peer.qualityReport` event (summary, verdict and top
 *    issues of the same diagnosis) in the outbox: the event exists exactly
 *    when the report it announces was stored.
 *
 * Compaction runs it once per finished peer (announcing); the rollup refresh
 * runs it again when late telemetry made the stored figures stale (no second
 * event: receivers have the report link, which always reads current data).
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import { computeQualityAggregates } from '../analytics/quality-aggregates.ts';
import { finishDiagnosis, type DiagnosisReport } from '../analytics/diagnosis/engine.ts';
import { rollupDiagnosisOf } from '../rollup/rollup-diagnosis.ts';
import { readQualityChunks } from './quality-chunks-read.ts';
import { readLastSamples } from './stream-last-samples.ts';
import { refreshSessionVerdicts, storeOwnDiagnosis } from './peer-diagnosis.ts';
import { recordPeerRollup } from './quality-rollups.ts';
import { recordPeerQualityReport } from './webhook-outbox.ts';

/**
 * Serialises, on PostgreSQL, the transactions that store finished peers of
 * one session: each also updates the session's other peers' rows (verdicts
 * after blame, rollups), so two of them locking their own peer first and then
 * each other's would deadlock. Taken first in the transaction, before the
 * peer's row lock. SQLite has one writer.
 */
export async function lockSessionVerdicts(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  sessionId: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(${`peer-report session verdicts ${sessionId}`}))`.execute(
    tx,
  );
}

/** What was stored. */
export interface FinishedPeerQuality {
  /** The highest chunk id the aggregates, diagnosis and rollup cover. */
  upto: number;
  diagnosis: DiagnosisReport;
}

/**
 * Stores the aggregates, diagnosis and rollup of the finished peer `peerId`
 * in the caller's transaction (which holds {@link lockSessionVerdicts} of its
 * session, then the peer's lock), then with
 * `announce` records `peer.qualityReport`. `compactedAt` also marks the peer
 * compacted (its chunks merged up to the newest). Undefined when the peer row
 * is gone.
 */
export async function storeFinishedPeerQuality(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  peerId: string,
  now: number,
  options: { announce: boolean; compactedAt?: number },
): Promise<FinishedPeerQuality | undefined> {
  const peer = await tx
    .selectFrom('peers')
    .select(['id', 'session_id', 'joined_at', 'left_at', 'precall'])
    .where('id', '=', peerId)
    .executeTakeFirst();
  if (!peer) return undefined;
  const chunks = await readQualityChunks(tx, dialect, peerId, { withoutRows: true });
  const lastSamples = await readLastSamples(tx, peerId);
  const upto = chunks.reduce((max, c) => Math.max(max, Number(c.id)), 0);
  const rowsBySeries = new Map<string, MetricRow[]>();
  const aggregates = computeQualityAggregates(chunks, lastSamples, rowsBySeries);
  await tx
    .updateTable('peers')
    .set({
      quality_aggregates: JSON.stringify(aggregates),
      quality_aggregates_upto: upto,
      ...(options.compactedAt !== undefined
        ? { chunks_compacted_at: options.compactedAt, chunks_merged_upto: upto }
        : {}),
    })
    .where('id', '=', peerId)
    .execute();
  const own = await storeOwnDiagnosis(tx, peer, chunks, upto);
  const finals = await refreshSessionVerdicts(tx, dialect, peer.session_id, now, peerId);
  // A session of more peers than blame compares with: this one is not among them, so no blame.
  const diagnosis = finals.get(peerId) ?? finishDiagnosis(own);
  await recordPeerRollup(
    tx,
    dialect,
    peerId,
    rowsBySeries,
    rollupDiagnosisOf(diagnosis),
    upto,
    now,
  );
  if (options.announce) await recordPeerQualityReport(tx, peerId, aggregates, diagnosis);
  return { upto, diagnosis };
}

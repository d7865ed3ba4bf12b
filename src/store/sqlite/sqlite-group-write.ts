/**
 * The embedded store's telemetry batch write: the same decisions and rows as the Kysely path
 * (../telemetry-batch-write.ts), through prepared statements, synchronously (sqlite-batch-statements.ts).
 */
import type { SqliteBatchStatements } from './sqlite-batch-statements.ts';
import { lateByStream, stamp } from '../telemetry-batch-write.ts';
import type { BatchJob, BatchOutcome, BatchRules } from '../telemetry-write-types.ts';

/** The shared Kysely writeBatch (telemetry-batch-write.ts) on the embedded store: the same decisions and rows, through prepared statements, synchronously. */
export function writeBatchSqlite<J extends BatchJob>(
  s: SqliteBatchStatements,
  job: J,
  rules: BatchRules<J>,
): BatchOutcome {
  const { peerId, batch, receivedAt } = job;
  const peer = s.peer(peerId, job.participantId);
  if (!peer) return { status: 'unknown_peer' };
  const account = peer.account_id;
  if (!s.insertBatchId(peerId, account, batch.batch_id, receivedAt)) return { status: 'duplicate' };
  const acceptance = rules.acceptance(peer, receivedAt);
  if (acceptance === 'closed') {
    s.deleteBatchId(peerId, batch.batch_id);
    return { status: 'peer_closed' };
  }
  s.updatePeer(peerId, rules.peerUpdate(batch, receivedAt, acceptance === 'late'));
  s.insertEvents(rules.events(batch, peerId, account));
  s.insertDeviceUpdates(rules.devices(batch, peerId, account));
  s.insertPcMetadata(rules.pcMetadata(batch, peerId, account));
  s.upsertCandidatePairs(rules.candidatePairs(batch, peerId, account));

  if (!job.pre && !batch.samples?.length) return { status: 'stored', samples: 0, skipped: 0 };
  const keys = new Set(job.pre?.keys ?? rules.streamKeys(batch.samples!));
  // The stored times alone tell whether the early derivation still holds; the sample bodies are read only when it does not.
  const times = s.streamStateTimes(peerId).filter((t) => keys.has(t.stream_key));
  const derived =
    job.pre && rules.sameStates(job.pre.known, times)
      ? job.pre
      : rules.derive(peerId, rules.samplesOf(job), s.streamStates(peerId));
  stamp(job, derived, account, receivedAt);
  s.insertChunks(derived.chunks);
  s.upsertStreamStates(derived.states);
  const span = rules.spanChange(
    peer,
    derived.chunks as { first_ts: number; last_ts: number }[],
    receivedAt,
  );
  if (span) {
    s.updatePeer(peerId, span.peer);
    s.widenSession(peer.session_id, span.sessionStartsBy, span.addMinutes);
  }
  let lateStored = 0;
  for (const [key, samples] of lateByStream(derived)) {
    for (const group of rules.groupLateSamples(samples, s.chunkEdges(peerId, key)).groups) {
      const fill = rules.fillGap(peerId, key, group, s.chunkHead(peerId, group.next.id));
      if (!fill) continue;
      s.rewriteChunk(peerId, fill.next.id, fill.next.rows_json, fill.next.metrics);
      s.insertChunks([{ ...fill.chunk, account_id: account, received_at: receivedAt }]);
      lateStored += fill.chunk.n;
    }
  }
  return {
    status: 'stored',
    samples: derived.stored + lateStored,
    skipped: derived.skipped - lateStored,
  };
}

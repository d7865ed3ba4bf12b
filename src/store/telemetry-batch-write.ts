/**
 * The telemetry batch write through Kysely, shared by the backends (the SQLite one writes the same rows through
 * prepared statements: sqlite/sqlite-group-write.ts), and the stream-state read both use. The decisions and rows
 * come from the ingest as {@link BatchRules}.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { upsertCandidatePairs } from './candidate-pair-upsert.ts';
import type { Database } from './schema.ts';
import { streamKey, type StreamSample } from '../model/telemetry.ts';
import type { DerivedChunks, KnownState, PeerSpanChange } from './stored-stream-types.ts';
import type { BatchJob, BatchOutcome, BatchRules } from './telemetry-write-types.ts';

/** A query that can lock the rows it reads (`SELECT ... FOR UPDATE`). */
export interface ForUpdate {
  forUpdate(): this;
}

type Tx = Transaction<Database>;

/**
 * Writes one batch in `tx` through Kysely: the per-batch path of the PostgreSQL group write (the cases its
 * set-based statements do not take). `lockRows` locks the peer's row until the commit where the backend has row
 * locks (SQLite's write lock covers the whole transaction).
 */
export async function writeBatch<J extends BatchJob>(
  tx: Tx,
  lockRows: <Q extends ForUpdate>(query: Q) => Q,
  job: J,
  rules: BatchRules<J>,
): Promise<BatchOutcome> {
  const { peerId, batch, receivedAt } = job;
  let peerQuery = tx
    .selectFrom('peers')
    .select(['status', 'left_at', 'leave_reason', 'account_id', 'joined_at', 'session_id'])
    .where('id', '=', peerId)
    .where('participant_id', '=', job.participantId);
  peerQuery = lockRows(peerQuery);
  const peer = await peerQuery.executeTakeFirst();
  if (!peer) return { status: 'unknown_peer' };
  const account = peer.account_id;

  const inserted = await tx
    .insertInto('peer_batches')
    .values({
      peer_id: peerId,
      account_id: account,
      batch_id: batch.batch_id,
      received_at: receivedAt,
    })
    .onConflict((oc) => oc.columns(['peer_id', 'batch_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { status: 'duplicate' };
  const acceptance = rules.acceptance(peer, receivedAt);
  if (acceptance === 'closed') {
    // Undo the batch-id record: the client will rejoin and resend under a new peer.
    await tx
      .deleteFrom('peer_batches')
      .where('peer_id', '=', peerId)
      .where('batch_id', '=', batch.batch_id)
      .execute();
    return { status: 'peer_closed' };
  }
  await tx
    .updateTable('peers')
    .set(rules.peerUpdate(batch, receivedAt, acceptance === 'late'))
    .where('id', '=', peerId)
    .execute();

  const events = rules.events(batch, peerId, account);
  if (events.length) await tx.insertInto('peer_events').values(events).execute();
  const devices = rules.devices(batch, peerId, account);
  if (devices.length) await tx.insertInto('device_updates').values(devices).execute();
  const pcs = rules.pcMetadata(batch, peerId, account);
  if (pcs.length) await tx.insertInto('pc_metadata').values(pcs).execute();
  await upsertCandidatePairs(tx, rules.candidatePairs(batch, peerId, account));

  if (!job.pre && !batch.samples?.length) return { status: 'stored', samples: 0, skipped: 0 };
  const keys = job.pre?.keys ?? rules.streamKeys(batch.samples!);
  const known = await loadStreamStates(tx, peerId, keys);
  // Derived before the transaction (outside the write lock) from the same
  // stream states? Use it; otherwise (a concurrent batch of this peer moved a
  // stream on meanwhile) derive again from the states read under the lock.
  const derived =
    job.pre && rules.sameStates(job.pre.known, known)
      ? job.pre
      : rules.derive(peerId, rules.samplesOf(job), known);
  stamp(job, derived, account, receivedAt);
  if (derived.chunks.length) await tx.insertInto('quality_chunks').values(derived.chunks).execute();
  let lateStored = 0;
  for (const [key, samples] of lateByStream(derived)) {
    const edges = (
      await tx
        .selectFrom('quality_chunks')
        .select(['id', 'first_ts', 'last_ts', 'first_sample', 'last_sample'])
        .where('peer_id', '=', peerId)
        .where('stream_key', '=', key)
        .execute()
    )
      .map((e) => ({
        ...e,
        id: Number(e.id),
        first_ts: Number(e.first_ts),
        last_ts: Number(e.last_ts),
      }))
      .sort((a, b) => a.first_ts - b.first_ts || a.id - b.id);
    for (const group of rules.groupLateSamples(samples, edges).groups) {
      const head = await tx
        .selectFrom('quality_chunks')
        .select(['rows_json', 'metrics'])
        .where('peer_id', '=', peerId)
        .where('id', '=', group.next.id)
        .executeTakeFirstOrThrow();
      const fill = rules.fillGap(peerId, key, group, head);
      if (!fill) continue;
      await tx
        .updateTable('quality_chunks')
        .set({ rows_json: fill.next.rows_json, metrics: fill.next.metrics })
        .where('peer_id', '=', peerId)
        .where('id', '=', fill.next.id)
        .execute();
      await tx
        .insertInto('quality_chunks')
        .values({ ...fill.chunk, account_id: account, received_at: receivedAt })
        .execute();
      lateStored += fill.chunk.n;
    }
  }
  if (derived.states.length) {
    await tx
      .insertInto('stream_state')
      .values(derived.states)
      .onConflict((oc) =>
        oc.columns(['peer_id', 'stream_key']).doUpdateSet((eb) => ({
          last_ts: eb.ref('excluded.last_ts'),
          last_sample: eb.ref('excluded.last_sample'),
        })),
      )
      .execute();
  }
  const span = rules.spanChange(
    peer,
    derived.chunks as { first_ts: number; last_ts: number }[],
    receivedAt,
  );
  if (span) await applySpanChange(tx, peerId, peer.session_id, span);
  return {
    status: 'stored',
    samples: derived.stored + lateStored,
    skipped: derived.skipped - lateStored,
  };
}

/** Moves a peer's span (samples before its join or after its leave) and its session's start and minutes. */
export async function applySpanChange(
  tx: Transaction<Database>,
  peerId: string,
  sessionId: string,
  span: PeerSpanChange,
): Promise<void> {
  await tx.updateTable('peers').set(span.peer).where('id', '=', peerId).execute();
  const startsBy = span.sessionStartsBy;
  await tx
    .updateTable('sessions')
    .set((eb) => ({
      minutes_consumed: eb('minutes_consumed', '+', span.addMinutes),
      ...(startsBy !== undefined
        ? {
            started_at: sql<number>`CASE WHEN started_at > ${startsBy} THEN ${startsBy} ELSE started_at END`,
          }
        : {}),
    }))
    .where('id', '=', sessionId)
    .execute();
}

/** A derivation's late samples (older than their stream's stored state), by stream. */
export function lateByStream(derived: DerivedChunks): Map<string, StreamSample[]> {
  const out = new Map<string, StreamSample[]>();
  for (const sample of derived.late ?? []) {
    const key = streamKey(sample);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(sample);
  }
  return out;
}

/** Sets the stored-row fields known only at write time, and notes the states written. */
export function stamp(
  job: BatchJob,
  derived: DerivedChunks,
  accountId: string,
  receivedAt: number,
): void {
  for (const chunk of derived.chunks) {
    chunk.account_id = accountId;
    chunk.received_at = receivedAt;
  }
  for (const state of derived.states) state.account_id = accountId;
  job.written = derived.states;
}

/** The peer's stored stream states: of the streams `keys` when given, else all. */
export async function loadStreamStates(
  db: Kysely<Database> | Transaction<Database>,
  peerId: string,
  keys?: string[],
): Promise<KnownState[]> {
  if (keys?.length === 0) return [];
  let q = db
    .selectFrom('stream_state')
    .select(['stream_key', 'last_ts', 'last_sample'])
    .where('peer_id', '=', peerId);
  if (keys) q = q.where('stream_key', 'in', keys);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, last_ts: Number(r.last_ts) }));
}

/** The stored stream states of several peers in one query, by peer id (a peer with none has no entry). */
export async function loadStreamStatesOfPeers(
  db: Kysely<Database>,
  peerIds: readonly string[],
): Promise<Map<string, KnownState[]>> {
  const byPeer = new Map<string, KnownState[]>();
  if (peerIds.length === 0) return byPeer;
  const rows = await db
    .selectFrom('stream_state')
    .select(['peer_id', 'stream_key', 'last_ts', 'last_sample'])
    .where('peer_id', 'in', peerIds)
    .execute();
  for (const r of rows) {
    let list = byPeer.get(r.peer_id);
    if (!list) byPeer.set(r.peer_id, (list = []));
    list.push({ stream_key: r.stream_key, last_ts: Number(r.last_ts), last_sample: r.last_sample });
  }
  return byPeer;
}

/**
 * A group of telemetry batches written to PostgreSQL with set-based
 * statements: one statement per table for the whole group instead of ~8 per
 * batch. On PostgreSQL every statement is a round trip and a query build, and
 * those, not the rows, were the cost of a 20-sample batch (66–83 µs of server
 * CPU per sample, a single process taking ~8k samples/s).
 *
 * The decisions and rows are those of the per-batch path (the ingest's BatchRules), and
 * so are the outcomes; the uncommon cases take the per-batch path inside the
 * same transaction: a peer with two batches in the group (the second derives
 * from the first's states), a closed peer, a batch with late samples, and a
 * batch whose early derivation started from states that are no longer the
 * stored ones.
 */
import { sql, type Insertable, type Transaction } from 'kysely';
import type {
  CandidatePairsTable,
  Database,
  QualityChunksTable,
  StreamStateTable,
} from '../schema.ts';
import { insertRows } from './postgres-rows-insert.ts';
import { CHUNK_COLUMNS, STATE_COLUMNS } from '../telemetry-columns.ts';
import { applySpanChange } from '../telemetry-batch-write.ts';
import type { PeerForBatch } from '../stored-stream-types.ts';
import type { BatchJob, BatchOutcome, BatchRules } from '../telemetry-write-types.ts';

type GroupJob = BatchJob;
type GroupOutcome = BatchOutcome;

/** Rows per multi-row INSERT (PostgreSQL binds at most 65,535 parameters; a chunk row has 12). */
const ROWS_PER_INSERT = 2_000;

type Tx = Transaction<Database>;

/**
 * Writes `jobs` (sorted by peer id) in `tx`; `perBatch` is the per-batch
 * write, for the cases this does not take. Outcomes in the order of `jobs`.
 */
export async function writeGroupPostgres<J extends GroupJob>(
  tx: Tx,
  jobs: J[],
  rules: BatchRules<J>,
  perBatch: (job: J) => Promise<GroupOutcome>,
): Promise<GroupOutcome[]> {
  const outcomes: (GroupOutcome | undefined)[] = new Array(jobs.length);
  const ids = [...new Set(jobs.map((j) => j.peerId))];
  // Locked in one global order (byte order, as the writer sorts), so concurrent groups cannot deadlock.
  const peerRows = await sql<PeerForBatch & { id: string; participant_id: string }>`
    SELECT id, participant_id, status, left_at, leave_reason, account_id, joined_at, session_id
    FROM peers WHERE id = ANY(${ids}::text[]) ORDER BY id COLLATE "C" FOR UPDATE`.execute(tx);
  const peers = new Map(peerRows.rows.map((p) => [p.id, p]));
  const perPeer = new Map<string, number>();
  for (const j of jobs) perPeer.set(j.peerId, (perPeer.get(j.peerId) ?? 0) + 1);

  // Which batches the set-based path takes.
  const fast: number[] = [];
  const slow: number[] = [];
  jobs.forEach((job, i) => {
    const peer = peers.get(job.peerId);
    if (!peer || peer.participant_id !== job.participantId) {
      outcomes[i] = { status: 'unknown_peer' };
      return;
    }
    const simple =
      perPeer.get(job.peerId) === 1 &&
      rules.acceptance(peer, job.receivedAt) !== 'closed' &&
      (job.pre ? job.pre.late.length === 0 : !job.batch.samples?.length);
    (simple ? fast : slow).push(i);
  });
  // An early derivation holds only if the stored states of its streams are those it started from.
  const withSamples = fast.filter((i) => jobs[i].pre);
  if (withSamples.length > 0) {
    const times = await sql<{ peer_id: string; stream_key: string; last_ts: string | number }>`
      SELECT peer_id, stream_key, last_ts FROM stream_state
      WHERE peer_id = ANY(${withSamples.map((i) => jobs[i].peerId)}::text[])`.execute(tx);
    const byPeer = new Map<string, { stream_key: string; last_ts: number }[]>();
    for (const t of times.rows) {
      let list = byPeer.get(t.peer_id);
      if (!list) byPeer.set(t.peer_id, (list = []));
      list.push({ stream_key: t.stream_key, last_ts: Number(t.last_ts) });
    }
    for (const i of withSamples) {
      const pre = jobs[i].pre!;
      const keys = new Set(pre.keys);
      const stored = (byPeer.get(jobs[i].peerId) ?? []).filter((t) => keys.has(t.stream_key));
      if (!rules.sameStates(pre.known, stored)) {
        fast.splice(fast.indexOf(i), 1);
        slow.push(i);
      }
    }
  }

  if (fast.length > 0) await writeFast(tx, jobs, fast, peers, outcomes, rules);
  for (const i of slow) outcomes[i] = await perBatch(jobs[i]);
  return outcomes as GroupOutcome[];
}

async function writeFast(
  tx: Tx,
  jobs: GroupJob[],
  fast: number[],
  peers: Map<string, PeerForBatch>,
  outcomes: (GroupOutcome | undefined)[],
  rules: BatchRules,
): Promise<void> {
  const inserted = await sql<{ peer_id: string }>`
    INSERT INTO peer_batches (peer_id, account_id, batch_id, received_at)
    SELECT * FROM unnest(
      ${fast.map((i) => jobs[i].peerId)}::text[],
      ${fast.map((i) => peers.get(jobs[i].peerId)!.account_id)}::text[],
      ${fast.map((i) => jobs[i].batch.batch_id)}::text[],
      ${fast.map((i) => jobs[i].receivedAt)}::bigint[])
    ON CONFLICT (peer_id, batch_id) DO NOTHING
    RETURNING peer_id`.execute(tx);
  const fresh = new Set(inserted.rows.map((r) => r.peer_id));
  const stored: number[] = [];
  for (const i of fast) {
    if (fresh.has(jobs[i].peerId)) stored.push(i);
    else outcomes[i] = { status: 'duplicate' };
  }
  if (stored.length === 0) return;

  const updates = stored.map((i) => {
    const job = jobs[i];
    const late = rules.acceptance(peers.get(job.peerId)!, job.receivedAt) === 'late';
    const u = rules.peerUpdate(job.batch, job.receivedAt, late);
    for (const k of Object.keys(u))
      if (!PEER_UPDATE_COLUMNS.has(k)) throw new Error(`unexpected peer column ${k}`);
    return u;
  });
  await sql`
    UPDATE peers AS p SET
      updated_at = v.updated_at,
      last_seen_at = COALESCE(v.last_seen_at, p.last_seen_at),
      client = COALESCE(v.client, p.client),
      precall = COALESCE(v.precall, p.precall)
    FROM unnest(
      ${stored.map((i) => jobs[i].peerId)}::text[],
      ${updates.map((u) => u.updated_at)}::bigint[],
      ${updates.map((u) => u.last_seen_at ?? null)}::bigint[],
      ${updates.map((u) => u.client ?? null)}::text[],
      ${updates.map((u) => u.precall ?? null)}::text[]
    ) AS v(id, updated_at, last_seen_at, client, precall)
    WHERE p.id = v.id`.execute(tx);

  const rowsOf = <R>(f: (b: GroupJob['batch'], peerId: string, account: string) => R[]): R[] =>
    stored.flatMap((i) => f(jobs[i].batch, jobs[i].peerId, peers.get(jobs[i].peerId)!.account_id));
  for (const part of slices(rowsOf(rules.events)))
    await tx.insertInto('peer_events').values(part).execute();
  for (const part of slices(rowsOf(rules.devices)))
    await tx.insertInto('device_updates').values(part).execute();
  for (const part of slices(rowsOf(rules.pcMetadata)))
    await tx.insertInto('pc_metadata').values(part).execute();
  for (const part of slices(rowsOf(rules.candidatePairs)))
    await insertRows(tx, 'candidate_pairs', CANDIDATE_PAIR_COLUMNS, part, CANDIDATE_PAIR_UPSERT);

  const chunks: Insertable<QualityChunksTable>[] = [];
  const states: StreamStateTable[] = [];
  for (const i of stored) {
    const job = jobs[i];
    const derived = job.pre;
    if (!derived) {
      outcomes[i] = { status: 'stored', samples: 0, skipped: 0 };
      continue;
    }
    const account = peers.get(job.peerId)!.account_id;
    for (const chunk of derived.chunks) {
      chunk.account_id = account;
      chunk.received_at = job.receivedAt;
      chunks.push(chunk);
    }
    for (const state of derived.states) {
      state.account_id = account;
      states.push(state);
    }
    job.written = derived.states;
    outcomes[i] = { status: 'stored', samples: derived.stored, skipped: derived.skipped };
  }
  for (const part of slices(chunks)) await insertRows(tx, 'quality_chunks', CHUNK_COLUMNS, part);
  for (const part of slices(states))
    await insertRows(tx, 'stream_state', STATE_COLUMNS, part, STATE_UPSERT);
  // A peer's span moves only when samples predate its join or follow its leave: rare, one batch at a time.
  for (const i of stored) {
    const job = jobs[i];
    if (!job.pre) continue;
    const peer = peers.get(job.peerId)!;
    const span = rules.spanChange(
      peer,
      job.pre.chunks as { first_ts: number; last_ts: number }[],
      job.receivedAt,
    );
    if (span) await applySpanChange(tx, job.peerId, peer.session_id, span);
  }
}

/** A stream's state is replaced by the one the batch derived, as the per-batch write replaces it. */
const STATE_UPSERT =
  'ON CONFLICT (peer_id, stream_key) DO UPDATE SET last_ts = excluded.last_ts, last_sample = excluded.last_sample';

const CANDIDATE_PAIR_COLUMNS = [
  'account_id',
  'peer_id',
  'pc',
  'pair_id',
  'ts',
  'selected',
  'roles',
  'payload',
] as const satisfies readonly (keyof CandidatePairsTable)[];

/** As upsertCandidatePairs: the newest sample of a pair wins, a late one leaves it. */
const CANDIDATE_PAIR_UPSERT =
  'ON CONFLICT (peer_id, pc, pair_id) DO UPDATE SET ts = excluded.ts, selected = excluded.selected, payload = excluded.payload WHERE candidate_pairs.ts <= excluded.ts';

/** The peer columns peerUpdateOf sets (the set-based UPDATE names each). */
const PEER_UPDATE_COLUMNS = new Set(['updated_at', 'last_seen_at', 'client', 'precall']);

/** `rows` in slices of at most ROWS_PER_INSERT (none when empty). */
function slices<R>(rows: R[]): R[][] {
  const out: R[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    out.push(rows.slice(i, i + ROWS_PER_INSERT));
  return out;
}

/**
 * Loads or computes a peer's diagnosis (docs/diagnosis.md, "Cost").
 *
 * - The own part depends on this peer's data only. A finished peer's is
 *   computed once, when compaction stores its aggregates, and stored on the
 *   peer row (`peers.diagnosis`, with the highest chunk id it covers: a later
 *   chunk makes it stale, as for the aggregates). A live peer's is computed
 *   on each request from the metric rows the report reads anyway.
 * - Blame compares this peer's received streams with the session's other
 *   peers' sent streams. Those peers may finish later, so blame runs at read
 *   time, from their stored summaries (`peers.diagnosis_senders`, a few
 *   hundred bytes per sent stream, one query); a live peer has none stored,
 *   so the sent-stream metric rows of at most {@link MAX_LIVE_SENDERS} live
 *   senders are read (no rows JSON), and kept in memory until their next batch.
 * - When a peer is compacted, its verdict and sentence after blame, and those
 *   of the session's other finished peers, are stored (`verdict_rank`,
 *   `diagnosis_summary`) for the session listings and the fleet rollups
 *   (corrected when blame changed them), with the whole diagnosis
 *   after blame (`diagnosis_final`) and a stamp of the other peers' stored
 *   summaries it used: while the stamp holds (one small query) the report
 *   reuses it instead of finishing the diagnosis again.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, PeersTable } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { readQualityChunks } from './quality-chunks-read.ts';
import {
  DIAGNOSIS_METHOD,
  diagnoseOwn,
  finishDiagnosis,
  storableOwnDiagnosis,
  type DiagnosisReport,
  type OwnDiagnosis,
} from '../analytics/diagnosis/engine.ts';
import type { BlameContext, SessionPeer } from '../analytics/diagnosis/blame.ts';
import { producerSummaries } from '../analytics/diagnosis/producer-summary.ts';
import type { DiagnosisInput, ProducerSummary } from '../analytics/diagnosis/types.ts';
import { verdictRank } from '../analytics/diagnosis/verdict.ts';
import { diagnosisInput } from '../analytics/diagnosis/diagnosis-input.ts';
import { rollupDiagnosisOf } from '../rollup/rollup-diagnosis.ts';
import { correctRollupDiagnosis } from './quality-rollups.ts';

/** At most this many live peers' sent streams are read for one report's blame. */
export const MAX_LIVE_SENDERS = 8;

/** At most this many other peers of a session are compared with. */
export const MAX_SESSION_PEERS = 200;

const PRODUCER_SERIES = [
  'audio_producer',
  'video_producer',
  'screenshare_audio_producer',
  'screenshare_video_producer',
];

type Db = Kysely<Database>;
type PeerRow = Pick<PeersTable, 'id' | 'joined_at' | 'left_at' | 'precall'>;

/**
 * The diagnosis engine's input for a peer from its stored rows: `chunks`
 * (with their metric columns, in report order) and its events, device
 * changes, connection roles, selected pairs and stream identities. With
 * `eventsSince`, only events and device changes from then on (epoch ms).
 */
export async function readDiagnosisInput(
  db: Db,
  peer: PeerRow,
  chunks: readonly { series: string; stream_key: string; metrics: Uint8Array }[],
  eventsSince?: number,
): Promise<DiagnosisInput> {
  let events = db
    .selectFrom('peer_events')
    .select(['ts', 'name', 'pc', 'metadata'])
    .where('peer_id', '=', peer.id);
  let devices = db
    .selectFrom('device_updates')
    .select(['ts', 'kind', 'payload'])
    .where('peer_id', '=', peer.id);
  if (eventsSince !== undefined) {
    events = events.where('ts', '>=', eventsSince);
    devices = devices.where('ts', '>=', eventsSince);
  }
  const [eventRows, deviceUpdates, pcMetadata, candidatePairs, streamStates] = await Promise.all([
    events.orderBy('ts').orderBy('id').execute(),
    devices.orderBy('ts').orderBy('id').execute(),
    db
      .selectFrom('pc_metadata')
      .select(['pc', 'payload'])
      .where('peer_id', '=', peer.id)
      .orderBy('ts')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('candidate_pairs')
      .select(['pc', 'ts', 'selected', 'payload'])
      .where('peer_id', '=', peer.id)
      .where('selected', '=', 1)
      .execute(),
    db
      .selectFrom('stream_state')
      .select(['stream_key', 'last_sample'])
      .where('peer_id', '=', peer.id)
      .execute(),
  ]);
  return diagnosisInput({
    peer,
    chunks,
    streamStates,
    events: eventRows.map((e) => ({ ...e, ts: Number(e.ts) })),
    deviceUpdates: deviceUpdates.map((d) => ({ ...d, ts: Number(d.ts) })),
    pcMetadata,
    candidatePairs: candidatePairs.map((p) => ({ ...p, ts: Number(p.ts) })),
  });
}

/** Computes the own part of a peer's diagnosis from its stored rows (`chunks` with their metric columns). */
export async function computeOwnDiagnosis(
  db: Db,
  peer: PeerRow,
  chunks: readonly { series: string; stream_key: string; metrics: Uint8Array }[],
): Promise<OwnDiagnosis> {
  return diagnoseOwn(await readDiagnosisInput(db, peer, chunks));
}

/** The stored own diagnosis when it is current (same method, covers exactly `newestChunkId`). */
export function storedOwnDiagnosis(
  peer: Pick<PeersTable, 'diagnosis' | 'diagnosis_upto'>,
  newestChunkId: number,
): OwnDiagnosis | undefined {
  if (
    peer.diagnosis === null ||
    peer.diagnosis_upto === null ||
    Number(peer.diagnosis_upto) !== newestChunkId
  )
    return undefined;
  try {
    const own = JSON.parse(peer.diagnosis) as OwnDiagnosis;
    return own.method === DIAGNOSIS_METHOD ? own : undefined;
  } catch {
    return undefined;
  }
}

/** One row of the session's peers as blame reads it. */
type SessionPeerRow = Pick<
  PeersTable,
  | 'id'
  | 'participant_id'
  | 'status'
  | 'diagnosis_senders'
  | 'diagnosis_upto'
  | 'joined_at'
  | 'left_at'
  | 'precall'
  | 'updated_at'
> & {
  custom_id: string | null;
  name: string | null;
};

/** What `peers.diagnosis_senders` holds. */
interface StoredSenders {
  method: string;
  producers: ProducerSummary[];
}

/** The session's peers (at most {@link MAX_SESSION_PEERS}), with their stored diagnoses. */
async function sessionPeerRows(db: Db, sessionId: string): Promise<SessionPeerRow[]> {
  return db
    .selectFrom('peers')
    .leftJoin('participants', 'participants.id', 'peers.participant_id')
    .select([
      'peers.id as id',
      'peers.participant_id as participant_id',
      'peers.status as status',
      'peers.diagnosis_senders as diagnosis_senders',
      'peers.diagnosis_upto as diagnosis_upto',
      'peers.joined_at as joined_at',
      'peers.left_at as left_at',
      'peers.precall as precall',
      'peers.updated_at as updated_at',
      'participants.custom_participant_id as custom_id',
      'participants.name as name',
    ])
    .where('peers.session_id', '=', sessionId)
    .orderBy('peers.joined_at')
    .orderBy('peers.id')
    .limit(MAX_SESSION_PEERS + 1)
    .execute();
}

/**
 * The blame context of `selfId` from the session's rows: stored sent-stream
 * summaries, and with `live` the sent streams of a few live senders read now.
 */
async function contextFrom(
  rows: readonly SessionPeerRow[],
  selfId: string,
  own: OwnDiagnosis,
  live?: { db: Db; dialect: StoreDialect },
): Promise<BlameContext> {
  const wanted = new Set(
    own.received.map((r) => r.remote_peer_id).filter((x): x is string => x !== undefined),
  );
  const others: SessionPeer[] = [];
  let liveRead = 0;
  for (const r of rows) {
    if (r.id === selfId) continue;
    const aliases = [r.participant_id, r.custom_id].filter(
      (x): x is string => typeof x === 'string' && x !== '',
    );
    let producers: SessionPeer['producers'] = [];
    const stored =
      r.diagnosis_senders === null ? undefined : safeParse<StoredSenders>(r.diagnosis_senders);
    if (stored && stored.method === DIAGNOSIS_METHOD) producers = stored.producers;
    else if (
      live &&
      own.received.length > 0 &&
      liveRead < MAX_LIVE_SENDERS &&
      (wanted.size === 0 || wanted.has(r.id) || aliases.some((a) => wanted.has(a)))
    ) {
      liveRead++;
      // A live sender's summaries are kept while its row is unchanged (every batch bumps `updated_at`).
      const stamp = `${r.id}|${r.updated_at}`;
      const cached = liveSenderCache.get(r.id);
      if (cached && cached.stamp === stamp) producers = cached.producers;
      else {
        producers = await liveProducerSummaries(live.db, live.dialect, r);
        liveSenderCache.delete(r.id);
        liveSenderCache.set(r.id, { stamp, producers });
        if (liveSenderCache.size > LIVE_SENDER_CACHE)
          liveSenderCache.delete(liveSenderCache.keys().next().value as string);
      }
    }
    others.push({ peerId: r.id, aliases, label: r.name ?? r.custom_id ?? undefined, producers });
  }
  return { selfPeerId: selfId, others, sessionPeers: Math.min(rows.length, MAX_SESSION_PEERS) };
}

/** Sent-stream summaries of a peer without a stored diagnosis, from its sent streams' metric columns. */
async function liveProducerSummaries(
  db: Db,
  dialect: StoreDialect,
  peer: PeerRow,
): Promise<SessionPeer['producers']> {
  const [chunks, states, roles] = await Promise.all([
    readQualityChunks(db, dialect, peer.id, { withoutRows: true, series: PRODUCER_SERIES }),
    db
      .selectFrom('stream_state')
      .select(['stream_key', 'last_sample'])
      .where('peer_id', '=', peer.id)
      .where('series', 'in', PRODUCER_SERIES)
      .execute(),
    db.selectFrom('pc_metadata').select(['pc', 'payload']).where('peer_id', '=', peer.id).execute(),
  ]);
  const input = diagnosisInput({
    peer,
    chunks,
    streamStates: states,
    events: [],
    deviceUpdates: [],
    pcMetadata: roles,
    candidatePairs: [],
  });
  return producerSummaries(input.streams);
}

/**
 * What a finished diagnosis after blame depends on besides the peer itself:
 * the other peers and the version of their stored summaries. Undefined while
 * one of them has none stored (live or not compacted yet): then blame reads
 * live data and nothing is reused.
 */
function blameStamp(rows: readonly SessionPeerRow[], selfId: string): string | undefined {
  const parts: string[] = [];
  for (const r of rows) {
    if (r.id === selfId) continue;
    if (r.diagnosis_senders === null || r.diagnosis_upto === null) return undefined;
    parts.push(`${r.id}:${r.diagnosis_upto}`);
  }
  return `${DIAGNOSIS_METHOD}|${parts.join(',')}`;
}

/** The blame context of a peer for its report (live senders read, bounded). */
export async function sessionBlameContext(
  db: Db,
  dialect: StoreDialect,
  self: Pick<PeersTable, 'id' | 'session_id'>,
  own: OwnDiagnosis,
): Promise<BlameContext> {
  return contextFrom(await sessionPeerRows(db, self.session_id), self.id, own, { db, dialect });
}

/** Live peers' own parts by peer id, with the row stamp they were computed at (oldest first, bounded). */
const liveOwnCache = new Map<
  string,
  {
    stamp: string;
    own: OwnDiagnosis;
    at: number;
    /** The diagnosis after blame, with the stamp of the session's rows it was finished against. */
    finished?: { session: string; report: DiagnosisReport };
  }
>();
const LIVE_OWN_CACHE = 128;

/** Live senders' summaries by peer id, with the row stamp they were computed at (oldest first, bounded). */
const liveSenderCache = new Map<string, { stamp: string; producers: SessionPeer['producers'] }>();
const LIVE_SENDER_CACHE = 512;

function safeParse<T = OwnDiagnosis>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * The report's diagnosis of a peer: its own part (stored when current, else
 * computed from `chunks`, which must then carry their metric columns, or read
 * here when they do not), then blame with the session's other peers.
 */
export async function peerDiagnosis(
  db: Db,
  dialect: StoreDialect,
  peer: PeersTable,
  chunks: readonly { id: number; series: string; stream_key: string; metrics: Uint8Array }[],
  options: { liveRefreshMs?: number; now?: number } = {},
): Promise<DiagnosisReport> {
  const newest = chunks.reduce((max, c) => Math.max(max, Number(c.id)), 0);
  const current =
    peer.status !== 'live' &&
    peer.diagnosis_upto !== null &&
    Number(peer.diagnosis_upto) === newest;
  const rows = await sessionPeerRows(db, peer.session_id);
  // A finished peer whose session's other peers are diagnosed and unchanged since: the stored answer.
  if (
    current &&
    peer.diagnosis_final !== null &&
    peer.diagnosis_final_stamp !== null &&
    blameStamp(rows, peer.id) === peer.diagnosis_final_stamp
  ) {
    const stored = safeParse<DiagnosisReport>(peer.diagnosis_final);
    if (stored && stored.method === DIAGNOSIS_METHOD) return stored;
  }
  let own = current ? storedOwnDiagnosis(peer, newest) : undefined;
  // A live peer's own part is kept in memory until its row changes (every batch, event and leave bumps
  // `updated_at`), so repeated reads between two batches compute it once; and it is recomputed (over all
  // the peer's rows: ~7,200 intervals for 60 minutes) at most once per `liveRefreshMs`, so a peer sending a
  // batch every second and watched by a dashboard costs one computation per period, not one per batch.
  const stamp = `${peer.updated_at}|${newest}`;
  const now = options.now ?? Date.now();
  if (!own && peer.status === 'live') {
    const cached = liveOwnCache.get(peer.id);
    if (cached && (cached.stamp === stamp || now - cached.at < (options.liveRefreshMs ?? 0)))
      own = cached.own;
  }
  if (!own) {
    const withMetrics = chunks.every((c) => c.metrics.length > 0)
      ? chunks
      : await readQualityChunks(db, dialect, peer.id, { withoutRows: true });
    own = await computeOwnDiagnosis(db, peer, withMetrics);
    if (peer.status === 'live') {
      liveOwnCache.delete(peer.id);
      liveOwnCache.set(peer.id, { stamp, own, at: now });
      if (liveOwnCache.size > LIVE_OWN_CACHE)
        liveOwnCache.delete(liveOwnCache.keys().next().value as string);
    }
  }
  // A live peer's diagnosis after blame depends on its own part and the session's rows (their `updated_at`
  // moves with every batch of a live sender, `diagnosis_upto` with every compaction): while both hold, the
  // finished form is reused (blame, merge and the sentence cost ~3 ms of CPU per read of a 60-minute peer).
  const entry = peer.status === 'live' ? liveOwnCache.get(peer.id) : undefined;
  const session = rows.map((r) => `${r.id}:${r.updated_at}:${r.diagnosis_upto}`).join(',');
  if (entry && entry.own === own && entry.finished?.session === session)
    return entry.finished.report;
  const report = finishDiagnosis(own, await contextFrom(rows, peer.id, own, { db, dialect }));
  if (entry && entry.own === own) entry.finished = { session, report };
  return report;
}

/**
 * Computes and stores a finished peer's own diagnosis from `chunks` (with
 * their metric columns), covering chunks up to `upto`, in the caller's
 * transaction. Returns it.
 */
export async function storeOwnDiagnosis(
  db: Db,
  peer: PeerRow,
  chunks: readonly { id: number; series: string; stream_key: string; metrics: Uint8Array }[],
  upto: number,
): Promise<OwnDiagnosis> {
  const own = await computeOwnDiagnosis(db, peer, chunks);
  const senders: StoredSenders = { method: own.method, producers: own.producers };
  await db
    .updateTable('peers')
    .set({
      diagnosis: storableOwnDiagnosis(own),
      diagnosis_upto: upto,
      diagnosis_senders: JSON.stringify(senders),
    })
    .where('id', '=', peer.id)
    .execute();
  return own;
}

/**
 * Recomputes the stored listing verdict of every finished, diagnosed peer of a
 * session (blame from stored summaries only: one query), and corrects the
 * fleet rollup of each whose verdict or issue kinds changed. Run in the
 * transaction that stored a peer's diagnosis. Returns the diagnoses after
 * blame by peer id.
 */
export async function refreshSessionVerdicts(
  db: Transaction<Database>,
  dialect: StoreDialect,
  sessionId: string,
  now: number,
  /** A peer whose rollup the caller stores anew (not corrected here). */
  rollupBy?: string,
): Promise<Map<string, DiagnosisReport>> {
  const rows = await sessionPeerRows(db, sessionId);
  const current = await db
    .selectFrom('peers')
    .select(['id', 'diagnosis'])
    .where('session_id', '=', sessionId)
    .where('diagnosis', 'is not', null)
    .execute();
  const before = new Map(current.map((c) => [c.id, c]));
  const finals = new Map<string, DiagnosisReport>();
  for (const p of rows) {
    const stored = before.get(p.id)?.diagnosis;
    const own = stored ? safeParse(stored) : undefined;
    if (!own || own.method !== DIAGNOSIS_METHOD) continue;
    const report = finishDiagnosis(own, await contextFrom(rows, p.id, own));
    const stamp = blameStamp(rows, p.id) ?? null;
    finals.set(p.id, report);
    await db
      .updateTable('peers')
      .set({
        verdict_rank: verdictRank(report.verdict),
        diagnosis_summary: report.summary,
        // Kept even when not reusable by the report (no stamp: a session peer had none stored): the export reads it.
        diagnosis_final: JSON.stringify(report),
        diagnosis_final_stamp: stamp,
      })
      .where('id', '=', p.id)
      .execute();
    // Blame with a peer that finished since may change the verdict: the rollups follow (docs/fleet-quality.md).
    if (p.id !== rollupBy)
      await correctRollupDiagnosis(db, dialect, p.id, rollupDiagnosisOf(report), now);
  }
  return finals;
}

/**
 * Reads everything one peer report needs, scoped to the account and app so a
 * token of another tenant can never reach another account's peer.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, PeersTable } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { readQualityChunks, type StoredChunk } from './quality-chunks-read.ts';
import { readLiveQualityChunks, type LiveChunkCache } from './live-chunk-cache.ts';
import { readLastSamples } from './stream-last-samples.ts';
import {
  storedQualityAggregates,
  type QualityAggregates,
} from '../analytics/quality-aggregates.ts';

import { peerDiagnosis } from './peer-diagnosis.ts';
import type { DiagnosisReport } from '../analytics/diagnosis/engine.ts';

/** Raw rows of one peer. */
export interface PeerReportData {
  peer: PeersTable;
  participant:
    | { id: string; custom_participant_id: string; name: string | null; preset_name: string }
    | undefined;
  events: { ts: number; name: string; pc: string | null; metadata: string | null }[];
  deviceUpdates: { ts: number; kind: string; payload: string }[];
  pcMetadata: { pc: string; ts: number; payload: string }[];
  candidatePairs: { pc: string; pair_id: string; ts: number; selected: number; payload: string }[];
  chunks: StoredChunk[];
  /** The finished peer's stored aggregates when they cover `chunks` (then `chunks` come without metric columns). */
  aggregates?: QualityAggregates;
  /** Stream keys of every stored stream (for transport roles), even when quality is filtered out. */
  streamKeys: string[];
  /** Other peers of the same session (for `quality_stats.peer_ids`). */
  sessionPeerIds: string[];
  /** Stream key → the stream's stored last sample (JSON), when the aggregates are computed (they name the tracks). */
  lastSamples?: Map<string, string>;
  /** The peer's diagnosis (with the quality section; docs/diagnosis.md). */
  diagnosis?: DiagnosisReport;
}

/**
 * A cheap fingerprint of everything a report of this peer depends on: the
 * peer's and its session's `updated_at` (bumped by every batch, join and
 * leave), its newest chunk, what it stored at compaction (aggregates,
 * diagnosis), and the session's other peers as its diagnosis blames from them
 * (their newest `updated_at`, how many, and their stored diagnoses). Finished
 * reports are cached and stored by it (src/api/routes/peer-report.ts), so
 * whatever changes a report must change it. Undefined when the peer does not
 * exist in this account and app.
 */
export async function peerVersion(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  peerId: string,
): Promise<{ stamp: string; live: boolean; expiredAt: number | null } | undefined> {
  const row = await db
    .selectFrom('peers')
    .innerJoin('sessions', 'sessions.id', 'peers.session_id')
    .select((eb) => [
      'peers.updated_at as p',
      'sessions.updated_at as s',
      'peers.status as status',
      'peers.expired_at as expired_at',
      'peers.diagnosis_upto as d',
      'peers.quality_aggregates_upto as a',
      'peers.diagnosis_final_stamp as fs',
      sql<number | null>`length(peers.diagnosis_final)`.as('fl'),
      eb
        .selectFrom('quality_chunks')
        .select(sql<string>`max(quality_chunks.id) || ':' || count(*)`.as('c'))
        .whereRef('quality_chunks.peer_id', '=', 'peers.id')
        .as('c'),
      eb
        .selectFrom('peers as others')
        .select(
          sql<string>`max(others.updated_at) || ':' || count(*) || ':' || coalesce(sum(others.diagnosis_upto), 0)`.as(
            'o',
          ),
        )
        .whereRef('others.session_id', '=', 'peers.session_id')
        .as('o'),
    ])
    .where('peers.id', '=', peerId)
    .where('peers.account_id', '=', accountId)
    .where('peers.app_id', '=', appId)
    .executeTakeFirst();
  return row
    ? {
        stamp: [row.p, row.s, row.d, row.a, row.fl, row.fs, row.c, row.o].join('|'),
        live: row.status === 'live',
        expiredAt: row.expired_at === null ? null : Number(row.expired_at),
      }
    : undefined;
}

/** Loads the peer, or undefined when it does not exist in this account and app. */
export async function loadPeerData(
  db: Kysely<Database>,
  dialect: StoreDialect,
  accountId: string,
  appId: string,
  peerId: string,
  sections: ReadonlySet<string>,
  options: {
    diagnosis?: boolean;
    liveDiagnosisRefreshMs?: number;
    /** A live peer's chunk contents are taken from here where unchanged (live-chunk-cache.ts). */
    liveChunks?: LiveChunkCache;
  } = {},
): Promise<PeerReportData | undefined> {
  const peer = await db
    .selectFrom('peers')
    .selectAll()
    .where('id', '=', peerId)
    .where('account_id', '=', accountId)
    .where('app_id', '=', appId)
    .executeTakeFirst();
  if (!peer) return undefined;

  const wantEvents = sections.has('events');
  const wantDevices = sections.has('device_info');
  const wantNetwork = sections.has('precall_network_information');
  const wantQuality = sections.has('quality_stats');

  // Every list has a total order (ties broken by a key), so the same stored data always gives the same bytes.
  const [
    participant,
    events,
    deviceUpdates,
    pcMetadata,
    candidatePairs,
    chunks,
    streamKeys,
    sessionPeers,
    lastSamples,
  ] = await Promise.all([
    db
      .selectFrom('participants')
      .select(['id', 'custom_participant_id', 'name', 'preset_name'])
      .where('id', '=', peer.participant_id)
      .executeTakeFirst(),
    wantEvents || wantNetwork
      ? db
          .selectFrom('peer_events')
          .select(['ts', 'name', 'pc', 'metadata'])
          .where('peer_id', '=', peerId)
          .orderBy('ts')
          .orderBy('id')
          .execute()
      : [],
    wantDevices
      ? db
          .selectFrom('device_updates')
          .select(['ts', 'kind', 'payload'])
          .where('peer_id', '=', peerId)
          .orderBy('ts')
          .orderBy('id')
          .execute()
      : [],
    wantNetwork
      ? db
          .selectFrom('pc_metadata')
          .select(['pc', 'ts', 'payload'])
          .where('peer_id', '=', peerId)
          .orderBy('ts')
          .orderBy('id')
          .execute()
      : [],
    wantNetwork
      ? db
          .selectFrom('candidate_pairs')
          .select(['pc', 'pair_id', 'ts', 'selected', 'payload'])
          .where('peer_id', '=', peerId)
          .orderBy('ts')
          .orderBy('pc')
          .orderBy('pair_id')
          .execute()
      : [],
    !wantQuality
      ? []
      : peer.status === 'live' && options.liveChunks
        ? readLiveQualityChunks(db, dialect, peerId, options.liveChunks)
        : readQualityChunks(db, dialect, peerId, {
            withoutMetrics: peer.quality_aggregates !== null,
          }),
    wantNetwork
      ? db.selectFrom('stream_state').select('stream_key').where('peer_id', '=', peerId).execute()
      : [],
    wantQuality
      ? db
          .selectFrom('peers')
          .select('id')
          .where('session_id', '=', peer.session_id)
          .orderBy('joined_at')
          .orderBy('id')
          .execute()
      : [],
    wantQuality && peer.quality_aggregates === null ? readLastSamples(db, peerId) : undefined,
  ]);
  let aggregates: QualityAggregates | undefined;
  let qualityChunks = chunks;
  let samples = lastSamples;
  if (wantQuality && peer.quality_aggregates !== null) {
    aggregates = storedQualityAggregates(
      peer,
      chunks.map((c) => c.id),
    );
    // Stale (a chunk stored after them): the aggregates are computed from the metric columns after all.
    if (!aggregates)
      [qualityChunks, samples] = await Promise.all([
        readQualityChunks(db, dialect, peerId),
        readLastSamples(db, peerId),
      ]);
  }
  const diagnosis =
    wantQuality && options.diagnosis !== false
      ? await peerDiagnosis(db, dialect, peer, qualityChunks, {
          liveRefreshMs: options.liveDiagnosisRefreshMs,
        })
      : undefined;
  return {
    peer,
    participant,
    events: events.map((e) => ({ ...e, ts: Number(e.ts) })),
    deviceUpdates: deviceUpdates.map((d) => ({ ...d, ts: Number(d.ts) })),
    pcMetadata: pcMetadata.map((p) => ({ ...p, ts: Number(p.ts) })),
    candidatePairs: candidatePairs.map((p) => ({ ...p, ts: Number(p.ts) })),
    chunks: qualityChunks,
    aggregates,
    streamKeys: streamKeys.map((s) => s.stream_key),
    sessionPeerIds: sessionPeers.map((p) => p.id),
    lastSamples: samples,
    diagnosis,
  };
}

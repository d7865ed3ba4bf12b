/**
 * What a telemetry batch writes, as plain rows (pure, no I/O): both stores'
 * batch writes (Kysely for PostgreSQL, prepared SQLite statements for the
 * embedded store) take their decisions and rows from here, so they cannot
 * drift apart.
 */
import type { CandidatePairSample, StreamSample, TelemetryBatch } from '../model/telemetry.ts';
import { streamKey } from '../model/telemetry.ts';
import { clientMetadata } from './client-metadata.ts';
import { inferRelayProtocol } from '../normalize/relay-protocol.ts';

/** How long after an explicit leave a peer still takes batches (ms). */
export const LATE_BATCH_GRACE_MS = 10_000;

import type { PeerForBatch, PeerSpanChange } from '../store/stored-stream-types.ts';

export type { PeerForBatch, PeerSpanChange };

/**
 * Whether the peer takes a batch received at `receivedAt`: `live`; `late`, a
 * batch that lands shortly after an explicit leave (on page hide the last
 * batch and the leave travel as separate keepalive requests and may arrive in
 * either order); or `closed` (after a timeout the client rejoins and resends).
 */
export function batchAcceptance(
  peer: PeerForBatch,
  receivedAt: number,
): 'live' | 'late' | 'closed' {
  if (peer.status === 'live') return 'live';
  const late =
    peer.leave_reason !== 'timeout' &&
    peer.left_at !== null &&
    receivedAt - Number(peer.left_at) <= LATE_BATCH_GRACE_MS;
  return late ? 'late' : 'closed';
}

/** The peer columns a batch updates: times, and the client and precall documents when the batch has them. */
export function peerUpdateOf(
  batch: Omit<TelemetryBatch, 'samples'>,
  receivedAt: number,
  late: boolean,
): Record<string, string | number> {
  const update: Record<string, string | number> = late
    ? { updated_at: receivedAt }
    : { last_seen_at: receivedAt, updated_at: receivedAt };
  if (batch.client) update.client = JSON.stringify(clientMetadata(batch.client));
  if (batch.precall) update.precall = JSON.stringify(batch.precall);
  return update;
}

/** How far back a sample may widen a peer's `joined_at` (the same window a join may be dated back). */
export const MAX_SAMPLE_AGE_MS = 24 * 3_600_000;

/**
 * Keeps a peer's identity times around its telemetry: `joined_at` moves back to
 * the batch's first stored sample when that is earlier (a rejoined collector
 * resends the samples it took while cut off, all older than its new join), and
 * a closed peer's `left_at` moves forward to the last one (a late batch after
 * the leave). Samples dated more than a day before `receivedAt` (a wrong
 * client clock) never move them. Undefined when nothing changes.
 */
export function peerSpanChange(
  peer: Pick<PeerForBatch, 'joined_at' | 'left_at'>,
  chunks: readonly { first_ts: number; last_ts: number }[],
  receivedAt: number,
): PeerSpanChange | undefined {
  if (chunks.length === 0) return undefined;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const c of chunks) {
    if (c.first_ts >= receivedAt - MAX_SAMPLE_AGE_MS && c.first_ts < first) first = c.first_ts;
    if (c.last_ts > last) last = c.last_ts;
  }
  const joinedAt = Number(peer.joined_at);
  const leftAt = peer.left_at === null ? null : Number(peer.left_at);
  const change: PeerSpanChange = { peer: {}, addMinutes: 0 };
  if (first < joinedAt) {
    change.peer.joined_at = first;
    change.sessionStartsBy = first;
  }
  if (leftAt !== null && last > leftAt && last <= receivedAt + 60_000) change.peer.left_at = last;
  if (change.peer.joined_at === undefined && change.peer.left_at === undefined) return undefined;
  if (leftAt !== null)
    change.addMinutes =
      ((change.peer.left_at ?? leftAt) -
        (change.peer.joined_at ?? joinedAt) -
        (leftAt - joinedAt)) /
      60_000;
  return change;
}

/** Event rows of a batch. */
export function eventRows(
  batch: Omit<TelemetryBatch, 'samples'>,
  peerId: string,
  accountId: string,
) {
  return (batch.events ?? []).map((e) => ({
    peer_id: peerId,
    account_id: accountId,
    ts: e.ts,
    name: e.name,
    pc: e.pc ?? null,
    metadata: e.metadata ? JSON.stringify(e.metadata) : null,
  }));
}

/** Device-change and selected-device rows of a batch. */
export function deviceRows(
  batch: Omit<TelemetryBatch, 'samples'>,
  peerId: string,
  accountId: string,
) {
  return [
    ...(batch.device_updates ?? []).map((u) => ({
      peer_id: peerId,
      account_id: accountId,
      ts: u.ts,
      kind: u.kind,
      payload: JSON.stringify({ added: u.added, removed: u.removed }),
    })),
    ...(batch.selected_devices ?? []).map((u) => ({
      peer_id: peerId,
      account_id: accountId,
      ts: u.ts,
      kind: 'selected',
      payload: JSON.stringify(u.device),
    })),
  ];
}

/** Peer-connection metadata rows of a batch. */
export function pcMetadataRows(
  batch: Omit<TelemetryBatch, 'samples'>,
  peerId: string,
  accountId: string,
) {
  return (batch.pc_metadata ?? []).map((m) => ({
    peer_id: peerId,
    account_id: accountId,
    pc: m.pc,
    ts: m.ts,
    payload: JSON.stringify(m),
  }));
}

/** One row per candidate pair: the newest sample of each pair in the batch (an upsert may touch a row once). */
export function candidatePairRows(
  batch: Omit<TelemetryBatch, 'samples'>,
  peerId: string,
  accountId: string,
) {
  const latest = new Map<string, CandidatePairSample>();
  for (const pair of batch.candidate_pairs ?? []) {
    // Collectors older than the inference (and other clients) send Safari's relay candidates without it.
    if (pair.local) inferRelayProtocol(pair.local);
    const key = `${pair.pc}|${pair.id}`;
    const seen = latest.get(key);
    if (!seen || seen.ts <= pair.ts) latest.set(key, pair);
  }
  return [...latest.values()].map((pair) => ({
    peer_id: peerId,
    account_id: accountId,
    pc: pair.pc,
    pair_id: pair.id,
    ts: pair.ts,
    selected: pair.selected ? 1 : 0,
    roles: 0,
    payload: JSON.stringify(pair),
  }));
}

/** The distinct stream keys of `samples`. */
export function streamKeysOf(samples: readonly StreamSample[]): string[] {
  return [...new Set(samples.map(streamKey))];
}

/** Whether the stored states `now` (stream key, last_ts) are those a derivation started from (`before`). */
export function sameStates(
  before: ReadonlyMap<string, number>,
  now: readonly { stream_key: string; last_ts: number }[],
): boolean {
  if (before.size !== now.length) return false;
  for (const s of now) if (before.get(s.stream_key) !== s.last_ts) return false;
  return true;
}

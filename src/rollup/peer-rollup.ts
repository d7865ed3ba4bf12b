/**
 * One finished peer's compact rollup summary (pure): the row the fleet
 * analytics keep per peer, and the per-(day, dimension, value) bucket keys
 * it counts in.
 *
 * Definitions (the per-peer figures):
 * - `day` / `hour`: the UTC day (`YYYY-MM-DD`) and hour (`HH`) the peer
 *   finished (`left_at`). A peer spanning midnight counts whole, with all its
 *   minutes, on the day it finished (minutes are not split).
 * - `audio_mos` / `video_mos`: mean MOS of the samples of its received audio
 *   / video (consumer series, screen share excluded); when it received none,
 *   of its sent audio / video (producer series, as the remote side saw it).
 * - `loss_p50/p90`: percentiles (linear interpolation) of the per-interval
 *   packet loss % of its received audio and video streams (sent ones when it
 *   received none); `rtt_p50/p90` of the per-interval RTT of its sent
 *   streams; `jitter_p50/p90` of the per-interval jitter of its received
 *   streams.
 * - `minutes`: `(left_at − joined_at)` in minutes.
 * - dimensions: browser family and OS from the client metadata, country and
 *   ASN (`AS3320`) from the IP lookup at join, network class from the last
 *   selected candidate pair (network-class.ts); `unknown` when unknown.
 * - `verdict` and `issue_mask`: from the peer's stored diagnosis after blame
 *   (rollup-diagnosis.ts), given by the caller.
 */
import type { MetricRow } from '../analytics/metric-row.ts';
import { percentile } from '../analytics/percentile.ts';
import type { PeerClientMetadata } from '../model/peer-metadata.ts';
import type { IpInformation } from '../geo/geo-lookup.ts';
import { networkClass } from './network-class.ts';
import {
  issueMask,
  rollupSeverity,
  VERDICTS,
  type RollupDiagnosis,
  type Verdict,
} from './rollup-diagnosis.ts';
import type { CandidatePairSample } from '../model/telemetry.ts';

/** The dimensions a rollup is grouped and filtered by (besides `day`). */
export const ROLLUP_DIMENSIONS = ['hour', 'browser', 'os', 'country', 'asn', 'network'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/** The value of a dimension nobody knows. */
export const UNKNOWN = 'unknown';

/** The stored per-peer summary (table `peer_rollups`). */
export interface PeerRollup {
  peer_id: string;
  account_id: string;
  app_id: string;
  session_id: string;
  joined_at: number;
  finished_at: number;
  day: string;
  hour: string;
  browser: string;
  os: string;
  country: string;
  asn: string;
  network: string;
  minutes: number;
  audio_mos: number | null;
  video_mos: number | null;
  loss_p50: number | null;
  loss_p90: number | null;
  rtt_p50: number | null;
  rtt_p90: number | null;
  jitter_p50: number | null;
  jitter_p90: number | null;
  verdict: Verdict;
  issue_mask: number;
  /** Sort key, higher is worse: verdict rank × 1000 + (5 − lowest MOS) × 100. */
  severity: number;
}

/** The peer-row fields a rollup needs. */
export interface PeerForRollup {
  id: string;
  account_id: string;
  app_id: string;
  session_id: string;
  joined_at: number;
  left_at: number;
  client: string;
  ip_info: string | null;
}

/** UTC day `YYYY-MM-DD` of an epoch-ms time. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Computes the rollup of a finished peer from its metric rows by series and its diagnosis. */
export function peerRollupOf(
  peer: PeerForRollup,
  rowsBySeries: ReadonlyMap<string, readonly MetricRow[]>,
  selectedPair: CandidatePairSample | undefined,
  diagnosis: RollupDiagnosis,
): PeerRollup {
  const client = parseJson<PeerClientMetadata>(peer.client);
  const ip = parseJson<IpInformation>(peer.ip_info);
  const rows = (series: string) => rowsBySeries.get(series) ?? [];
  const audio_mos = meanOf(rows('audio_consumer'), 'mos') ?? meanOf(rows('audio_producer'), 'mos');
  const video_mos = meanOf(rows('video_consumer'), 'mos') ?? meanOf(rows('video_producer'), 'mos');
  const received = [...rows('audio_consumer'), ...rows('video_consumer')];
  const sent = [...rows('audio_producer'), ...rows('video_producer')];
  let loss = valuesOf(received, 'loss');
  if (loss.length === 0) loss = valuesOf(sent, 'loss');
  const rtt = valuesOf(sent, 'rtt');
  const jitter = valuesOf(received, 'jit');
  const network = networkClass(selectedPair);
  const figures = {
    audio_mos: round(audio_mos, 3),
    video_mos: round(video_mos, 3),
    loss_p50: round(percentile(loss, 0.5), 3),
    loss_p90: round(percentile(loss, 0.9), 3),
    rtt_p50: round(percentile(rtt, 0.5), 1),
    rtt_p90: round(percentile(rtt, 0.9), 1),
    jitter_p50: round(percentile(jitter, 0.5), 2),
    jitter_p90: round(percentile(jitter, 0.9), 2),
  };
  const { verdict } = diagnosis;
  const finished = Number(peer.left_at);
  return {
    peer_id: peer.id,
    account_id: peer.account_id,
    app_id: peer.app_id,
    session_id: peer.session_id,
    joined_at: Number(peer.joined_at),
    finished_at: finished,
    day: utcDay(finished),
    hour: new Date(finished).toISOString().slice(11, 13),
    browser: text(client?.browser_metadata?.browser),
    os: text(client?.device_info?.os),
    country: text(ip?.country),
    asn: text(ip?.asn?.asn),
    network,
    minutes: Math.max(0, Math.round(((finished - Number(peer.joined_at)) / 60000) * 1000) / 1000),
    ...figures,
    verdict,
    issue_mask: issueMask(diagnosis.kinds),
    severity: rollupSeverity(verdict, figures.audio_mos, figures.video_mos),
  };
}

/**
 * The severities a peer of `verdict` can have (inclusive): the verdict's
 * rank × 1000 plus (5 − lowest MOS) × 100, which stays within 0..999 for any
 * MOS in (−5, 5]; the peers query bounds its index walk with it.
 */
export function severityRange(verdict: Verdict): [number, number] {
  const rank = VERDICTS.indexOf(verdict);
  return [rank * 1000, rank * 1000 + 999];
}

/** The bucket keys (dimension, value) a peer counts in on its day: `all` plus one per dimension. */
export function bucketKeysOf(
  p: Pick<PeerRollup, RollupDimension>,
): { dim: 'all' | RollupDimension; value: string }[] {
  return [{ dim: 'all', value: '' }, ...ROLLUP_DIMENSIONS.map((dim) => ({ dim, value: p[dim] }))];
}

function text(v: string | undefined | null): string {
  const s = typeof v === 'string' ? v.trim().slice(0, 64) : '';
  return s === '' ? UNKNOWN : s;
}

function meanOf(rows: readonly MetricRow[], key: 'mos'): number | undefined {
  let n = 0;
  let sum = 0;
  for (const r of rows) {
    const v = r[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    n++;
    sum += v;
  }
  return n > 0 ? sum / n : undefined;
}

function valuesOf(rows: readonly MetricRow[], key: 'loss' | 'rtt' | 'jit'): number[] {
  const out: number[] = [];
  for (const r of rows) {
    const v = r[key];
    if (v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function round(v: number | undefined, dp: number): number | null {
  if (v === undefined) return null;
  const f = 10 ** dp;
  return Math.round(v * f) / f;
}

function parseJson<T>(s: string | null): T | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

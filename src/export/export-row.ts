/**
 * One finished peer's summary as exported for warehouses (pure): the flat
 * column list shared by CSV (one column each, in this order) and NDJSON (one
 * object per line with the same keys, `null` where CSV has an empty field).
 *
 * Columns (units in the names; times ISO 8601 UTC):
 * - identity: `peer_id`, `session_id`, `meeting_id`, `participant_id`
 *   (the report's `user_id`), `custom_participant_id`, `display_name`,
 *   `preset_name`, `joined_at`, `left_at`, `duration_minutes`, `leave_reason`,
 *   `source` (`live` or `import:<format>`);
 * - device: `browser`, `browser_version`, `engine`, `os`, `os_version`,
 *   `is_mobile`, `sdk_name`, `sdk_version` (as in `peer_stats.device_info`);
 * - network: `country`, `region`, `city`, `asn`, `asn_org` (the join-time IP
 *   lookup), and from the selected candidate pair seen last: `relay` (either
 *   candidate is a TURN relay), `relay_protocol` (udp/tcp/tls to the TURN
 *   server), `transport_protocol` (udp/tcp of the local candidate),
 *   `network_type` (wifi, cellular, ethernet… when the browser tells);
 * - quality: `average_mos`, `audio_bandwidth_kbps`, `video_bandwidth_kbps`
 *   (the report's `quality_stats`), then for each of the eight series
 *   (`audio_consumer`, `audio_producer`, `video_consumer`, `video_producer`,
 *   `screenshare_audio_consumer`, … `screenshare_video_producer`):
 *   `<series>_samples`, `<series>_mos_avg`, `<series>_mos_p50`,
 *   `<series>_mos_p90` (the report's `<series>_cumulative.quality_mos`),
 *   `<series>_loss_pct_avg`, `<series>_rtt_ms_avg`, `<series>_jitter_ms_avg`,
 *   `<series>_bitrate_kbps` (the series' entry of `quality_stats.audio_stats`
 *   / `video_stats`); empty for a series the peer did not have;
 * - diagnosis: `verdict` and `issues` of the stored diagnosis after blame (the
 *   verdict the report, the listings and the fleet rollups show); `issues` is
 *   its {@link EXPORT_ISSUES} most important issues, each `{kind, severity,
 *   direction, medium, start, end, duration_s, cause, peer_id}` (NDJSON
 *   carries the list as is, CSV as its JSON text); both empty for a peer not
 *   compacted yet (no stored diagnosis);
 * - `cursor`: this row's position in the export order; pass it as `cursor`
 *   to continue after this row.
 */
import {
  QUALITY_SERIES,
  type CandidatePairSample,
  type QualitySeries,
} from '../model/telemetry.ts';
import type { PeerClientMetadata } from '../model/peer-metadata.ts';
import type { IpInformation } from '../geo/geo-lookup.ts';
import type { QualityAggregates } from '../analytics/quality-aggregates.ts';
import { iso, minutesBetween } from '../util/time.ts';
import type { FinishedPeerRow } from '../store/finished-peers-page.ts';
import type { DiagnosisReport } from '../analytics/diagnosis/engine.ts';
import { topIssues } from '../analytics/diagnosis/top-issues.ts';

/** A cell: CSV writes `null` as an empty field and a list (the diagnosis' `issues`) as its JSON text. */
export type ExportValue = string | number | boolean | null | readonly unknown[];

/** One exported peer, keyed by {@link EXPORT_COLUMNS}. */
export type ExportRow = Record<string, ExportValue>;

/** The per-series figures, in column order. */
export const SERIES_FIGURES = [
  'samples',
  'mos_avg',
  'mos_p50',
  'mos_p90',
  'loss_pct_avg',
  'rtt_ms_avg',
  'jitter_ms_avg',
  'bitrate_kbps',
] as const;

const IDENTITY = [
  'peer_id',
  'session_id',
  'meeting_id',
  'participant_id',
  'custom_participant_id',
  'display_name',
  'preset_name',
  'joined_at',
  'left_at',
  'duration_minutes',
  'leave_reason',
  'source',
] as const;
const DEVICE = [
  'browser',
  'browser_version',
  'engine',
  'os',
  'os_version',
  'is_mobile',
  'sdk_name',
  'sdk_version',
] as const;
const NETWORK = [
  'country',
  'region',
  'city',
  'asn',
  'asn_org',
  'relay',
  'relay_protocol',
  'transport_protocol',
  'network_type',
] as const;
const OVERALL = ['average_mos', 'audio_bandwidth_kbps', 'video_bandwidth_kbps'] as const;
/** From the stored diagnosis (`verdict`: its one-word verdict; `issues`: its top issues as a list). */
const DIAGNOSIS = ['verdict', 'issues'] as const;

/** Every column, in order. */
export const EXPORT_COLUMNS: readonly string[] = [
  ...IDENTITY,
  ...DEVICE,
  ...NETWORK,
  ...OVERALL,
  ...QUALITY_SERIES.flatMap((s) => SERIES_FIGURES.map((f) => `${s}_${f}`)),
  ...DIAGNOSIS,
  'cursor',
];

/** What one row is made of: the stored peer, its participant, its aggregates and its last selected candidate pair. */
export interface ExportSource {
  peer: Pick<
    FinishedPeerRow,
    | 'id'
    | 'session_id'
    | 'meeting_id'
    | 'participant_id'
    | 'joined_at'
    | 'left_at'
    | 'leave_reason'
    | 'source'
    | 'client'
    | 'ip_info'
  >;
  participant: Pick<FinishedPeerRow, 'custom_participant_id' | 'name' | 'preset_name'>;
  /** Undefined when the peer has no telemetry left (expired before its aggregates were stored). */
  aggregates: QualityAggregates | undefined;
  selectedPair: CandidatePairSample | undefined;
  /** The stored diagnosis after blame, undefined before compaction. */
  diagnosis: Pick<DiagnosisReport, 'verdict' | 'issues'> | undefined;
  cursor: string;
}

/** Issues exported per peer at most (the most important; the report has them all). */
export const EXPORT_ISSUES = 5;

type Json = Record<string, unknown>;

const value = (v: unknown): ExportValue =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;

/** The row of one peer. */
export function exportRow(src: ExportSource): ExportRow {
  const { peer, participant, aggregates, selectedPair: pair } = src;
  const meta = JSON.parse(peer.client || '{}') as Partial<PeerClientMetadata>;
  const browser = meta.browser_metadata ?? {};
  const device = meta.device_info ?? {};
  const ip = (peer.ip_info ? JSON.parse(peer.ip_info) : {}) as IpInformation;
  const summary = (aggregates?.summary ?? {}) as Json;
  const row: ExportRow = {
    peer_id: peer.id,
    session_id: peer.session_id,
    meeting_id: peer.meeting_id,
    participant_id: peer.participant_id,
    custom_participant_id: participant.custom_participant_id,
    display_name: participant.name,
    preset_name: participant.preset_name,
    joined_at: iso(peer.joined_at) ?? null,
    left_at: iso(peer.left_at) ?? null,
    duration_minutes: minutesBetween(peer.joined_at, peer.left_at),
    leave_reason: peer.leave_reason,
    source: peer.source,
    browser: value(browser.browser),
    browser_version: value(browser.browser_version),
    engine: value(browser.engine),
    os: value(device.os),
    os_version: value(device.os_version),
    is_mobile: value(device.is_mobile),
    sdk_name: value(meta.sdk_name),
    sdk_version: value(meta.sdk_version),
    country: value(ip.country),
    region: value(ip.region),
    city: value(ip.city),
    asn: value(ip.asn?.asn),
    asn_org: value(ip.asn?.name ?? ip.org),
    relay: pair
      ? pair.local?.candidate_type === 'relay' || pair.remote?.candidate_type === 'relay'
      : null,
    relay_protocol: value(pair?.local?.relay_protocol),
    transport_protocol: value(pair?.local?.protocol),
    network_type: value(pair?.local?.network_type),
    average_mos: value(summary.average_quality),
    audio_bandwidth_kbps: value(summary.audio_bandwidth),
    video_bandwidth_kbps: value(summary.video_bandwidth),
  };
  const stats = new Map<string, Json>();
  for (const s of [
    ...((summary.audio_stats as Json[] | undefined) ?? []),
    ...((summary.video_stats as Json[] | undefined) ?? []),
  ])
    stats.set(String(s.series), s);
  for (const series of QUALITY_SERIES)
    Object.assign(row, seriesFigures(series, aggregates?.cumulative[series], stats.get(series)));
  const d = src.diagnosis;
  row.verdict = d ? d.verdict : null;
  row.issues = d
    ? topIssues(d.issues, EXPORT_ISSUES).map((i) => ({
        kind: i.kind,
        severity: i.severity,
        direction: i.direction ?? null,
        medium: i.medium ?? null,
        start: i.start,
        end: i.end,
        duration_s: i.duration_s,
        cause: i.attribution.cause,
        peer_id: i.attribution.peer_id ?? null,
      }))
    : null;
  row.cursor = src.cursor;
  return row;
}

function seriesFigures(
  series: QualitySeries,
  cumulative: Json | undefined,
  stats: Json | undefined,
): ExportRow {
  const mos = (cumulative?.quality_mos ?? {}) as Json;
  const figures: Record<(typeof SERIES_FIGURES)[number], ExportValue> = {
    samples: value(stats?.sample_count ?? cumulative?.sample_count),
    mos_avg: value(mos.avg),
    mos_p50: value(mos.p50),
    mos_p90: value(mos.p90),
    loss_pct_avg: value(stats?.loss_avg),
    rtt_ms_avg: value(stats?.rtt_avg),
    jitter_ms_avg: value(stats?.jitter_avg),
    bitrate_kbps: value(stats?.bitrate_kbps),
  };
  const out: ExportRow = {};
  for (const f of SERIES_FIGURES) out[`${series}_${f}`] = figures[f];
  return out;
}

/** The last selected pair among `pairs` (by time, then pc and id, so the choice is stable). */
export function lastSelectedPair(
  pairs: readonly { ts: number; pc: string; pair_id: string; payload: string }[],
): CandidatePairSample | undefined {
  let best: (typeof pairs)[number] | undefined;
  for (const p of pairs) {
    if (
      !best ||
      p.ts > best.ts ||
      (p.ts === best.ts && (p.pc > best.pc || (p.pc === best.pc && p.pair_id > best.pair_id)))
    )
      best = p;
  }
  return best ? (JSON.parse(best.payload) as CandidatePairSample) : undefined;
}

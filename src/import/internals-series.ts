/**
 * Rebuilds getStats() snapshots from the per-field time series that
 * chrome://webrtc-internals dumps store (`"<statId>-<field>": {startTime,
 * endTime, statsType?, values: "[...]"}`). Pure.
 *
 * Time axis of a stat: its `-timestamp` series (Chrome 117+); older dumps
 * (e.g. Chrome 86) have none, so the points of a series are spread evenly
 * between its `startTime` and `endTime`. Series of one stat are aligned on
 * their end time, because webrtc-internals appends to every series of a stat
 * at each poll and trims all of them to the last {@link MAX_SERIES_VALUES}.
 *
 * Snapshots: local stats (everything but `remote-*-rtp`) of one poll share a
 * timestamp, which defines the poll grid; `remote-inbound-rtp` and
 * `remote-outbound-rtp` carry the time of the last RTCP report instead, so at
 * each poll the latest of their points not after the poll is used.
 */
import type { RawStat } from '../normalize/types.ts';
import { DumpFormatError } from './dump-format-error.ts';

/** webrtc-internals keeps at most this many values per series (stats_graph_helper.js). */
export const MAX_SERIES_VALUES = 1000;
/** Points of local stats closer than this belong to the same poll. */
const SAME_POLL_MS = 400;
/** A remote-*-rtp stat is carried forward to later polls for at most this long. */
const REMOTE_CARRY_MS = 15000;

/** Stat id prefixes of Chrome's standard stats before the short ids of M110+ (used when a dump has no type). */
const ID_PREFIX_TYPES: [RegExp, string][] = [
  [/^RTCInboundRTP(Audio|Video)Stream_/, 'inbound-rtp'],
  [/^RTCOutboundRTP(Audio|Video)Stream_/, 'outbound-rtp'],
  [/^RTCRemoteInboundRtp(Audio|Video)Stream_/, 'remote-inbound-rtp'],
  [/^RTCRemoteOutboundRTP(Audio|Video)Stream_/, 'remote-outbound-rtp'],
  [/^RTCIceCandidatePair_/, 'candidate-pair'],
  [/^RTCTransport_/, 'transport'],
  [/^RTCCodec_/, 'codec'],
  [/^RTCMediaStreamTrack_/, 'track'],
  [/^RTC(Audio|Video)Source_/, 'media-source'],
  [/^RTCPeerConnection$/, 'peer-connection'],
  [/^RTCCertificate_/, 'certificate'],
  [/^RTCDataChannel_/, 'data-channel'],
  [/^RTCMediaStream_/, 'stream'],
  [/^ssrc_\d+_(send|recv)$/, 'ssrc'],
  [/^Conn-/, 'googCandidatePair'],
  [/^Channel-/, 'googComponent'],
  [/^bweforvideo$/, 'VideoBwe'],
];

/** One field series of one stat: value `j` belongs to time `times[offset + j]` of its stat. */
interface FieldSeries {
  offset: number;
  values: unknown[];
}

/** All series of one stat. */
export interface StatSeries {
  id: string;
  type: string;
  remote: boolean;
  times: number[];
  fields: Map<string, FieldSeries>;
}

interface RawSeries {
  field: string;
  statsType?: string;
  start?: number;
  end?: number;
  values: unknown[];
}

function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function nearestIndex(times: number[], t: number): number {
  let best = times.length - 1;
  let bestDiff = Infinity;
  for (let i = times.length - 1; i >= 0; i--) {
    const diff = Math.abs(times[i] - t);
    if (diff < bestDiff) {
      best = i;
      bestDiff = diff;
    }
    if (times[i] < t - 5000) break;
  }
  return best;
}

function typeFromId(id: string, isRemoteFlag: unknown): string | undefined {
  if (/^RTCIceCandidate_/.test(id) || /^Cand-/.test(id)) {
    const remote = isRemoteFlag === true || isRemoteFlag === 'true';
    if (id.startsWith('Cand-')) return remote ? 'remotecandidate' : 'localcandidate';
    return remote ? 'remote-candidate' : 'local-candidate';
  }
  return ID_PREFIX_TYPES.find(([re]) => re.test(id))?.[1];
}

/** Result of {@link statSeriesOf}. */
export interface PcSeries {
  stats: StatSeries[];
  /** Earliest time from which no series was trimmed, when some were trimmed to {@link MAX_SERIES_VALUES}. */
  trimmedBefore?: number;
}

/** Groups a PC's `stats` object into per-stat series. `keyPath` names the PC in errors. */
export function statSeriesOf(stats: Record<string, unknown>, keyPath: string): PcSeries {
  const byStat = new Map<string, RawSeries[]>();
  for (const [key, entry] of Object.entries(stats)) {
    // Computed series ("<id>-[bytesSent_in_bits/s]") are derived by webrtc-internals; the raw counters are kept instead.
    if (key.includes('[')) continue;
    const dash = key.lastIndexOf('-');
    if (dash <= 0) continue;
    const id = key.slice(0, dash);
    const field = key.slice(dash + 1);
    if (typeof entry !== 'object' || entry === null)
      throw new DumpFormatError('webrtc-internals dump: a stats series must be an object', {
        key: `${keyPath}.stats.${key}`,
      });
    const e = entry as {
      values?: unknown;
      statsType?: unknown;
      startTime?: unknown;
      endTime?: unknown;
    };
    let values: unknown;
    if (typeof e.values === 'string') {
      try {
        values = JSON.parse(e.values);
      } catch {
        throw new DumpFormatError('webrtc-internals dump: series values are not a JSON array', {
          key: `${keyPath}.stats.${key}.values`,
        });
      }
    } else values = e.values;
    if (!Array.isArray(values))
      throw new DumpFormatError('webrtc-internals dump: series values must be an array', {
        key: `${keyPath}.stats.${key}.values`,
      });
    const series: RawSeries = { field, values };
    if (typeof e.statsType === 'string') series.statsType = e.statsType;
    const start = parseTime(e.startTime);
    const end = parseTime(e.endTime);
    if (start !== undefined) series.start = start;
    if (end !== undefined) series.end = end;
    let list = byStat.get(id);
    if (!list) byStat.set(id, (list = []));
    list.push(series);
  }

  const out: StatSeries[] = [];
  let trimmedBefore: number | undefined;
  for (const [id, list] of byStat) {
    const stampSeries = list.find((s) => s.field === 'timestamp');
    let times: number[];
    if (stampSeries) {
      times = stampSeries.values.map((v) => (typeof v === 'number' ? v : NaN));
    } else {
      const longest = list.reduce((a, b) => (b.values.length > a.values.length ? b : a));
      const n = longest.values.length;
      if (longest.start === undefined || longest.end === undefined) {
        throw new DumpFormatError(
          'webrtc-internals dump: a series without timestamps needs startTime and endTime',
          { key: `${keyPath}.stats.${id}-${longest.field}` },
        );
      }
      const step = n > 1 ? (longest.end - longest.start) / (n - 1) : 0;
      times = Array.from({ length: n }, (_, i) => (longest.start as number) + i * step);
    }
    const typeSeries = list.find((s) => s.field === 'type');
    const isRemote = list.find((s) => s.field === 'isRemote');
    const type =
      list.find((s) => s.statsType)?.statsType ??
      (typeSeries
        ? (typeSeries.values[typeSeries.values.length - 1] as string | undefined)
        : undefined) ??
      typeFromId(id, isRemote?.values[isRemote.values.length - 1]);
    if (!type) continue;
    const fields = new Map<string, FieldSeries>();
    for (const s of list) {
      if (s.field === 'timestamp' || s.field === 'type' || s.field === 'id') continue;
      const last =
        s.end !== undefined && times.length > 0 ? nearestIndex(times, s.end) : times.length - 1;
      fields.set(s.field, { offset: last - (s.values.length - 1), values: s.values });
      // Remote-*-rtp series carry RTCP times that lag the polls; the poll grid (local stats) decides.
      if (
        s.values.length >= MAX_SERIES_VALUES &&
        type !== 'remote-inbound-rtp' &&
        type !== 'remote-outbound-rtp'
      ) {
        const firstKept = times[Math.max(0, last - (s.values.length - 1))];
        if (Number.isFinite(firstKept))
          trimmedBefore = Math.max(trimmedBefore ?? firstKept, firstKept);
      }
    }
    out.push({
      id,
      type,
      remote: type === 'remote-inbound-rtp' || type === 'remote-outbound-rtp',
      times,
      fields,
    });
  }
  const result: PcSeries = { stats: out };
  if (trimmedBefore !== undefined) result.trimmedBefore = trimmedBefore;
  return result;
}

function statAt(series: StatSeries, index: number): RawStat {
  const stat: RawStat = { id: series.id, type: series.type, timestamp: series.times[index] };
  for (const [field, s] of series.fields) {
    const j = index - s.offset;
    if (j >= 0 && j < s.values.length) {
      const v = s.values[j];
      if (v !== null && v !== undefined) stat[field] = v;
    }
  }
  return stat;
}

/** The poll grid: clustered times of the local stats. */
function pollGrid(stats: StatSeries[]): number[] {
  const times = stats
    .filter((s) => !s.remote)
    .flatMap((s) => s.times.filter(Number.isFinite))
    .sort((a, b) => a - b);
  const grid: number[] = [];
  for (const t of times) {
    if (grid.length === 0 || t - grid[grid.length - 1] > SAME_POLL_MS) grid.push(t);
  }
  return grid;
}

/** Snapshots of one PC in time order, as `{ts, stats}` ready for the normaliser. */
export function* snapshotsOf(pc: PcSeries): Generator<{ ts: number; stats: RawStat[] }> {
  const grid = pollGrid(pc.stats);
  const local = pc.stats.filter((s) => !s.remote);
  const remote = pc.stats.filter((s) => s.remote);
  const localCursor = new Map<StatSeries, number>(local.map((s) => [s, 0]));
  const remoteCursor = new Map<StatSeries, number>(remote.map((s) => [s, -1]));
  for (const tick of grid) {
    const stats: RawStat[] = [];
    for (const s of local) {
      let i = localCursor.get(s) as number;
      while (i < s.times.length && !(s.times[i] >= tick - SAME_POLL_MS)) i++;
      localCursor.set(s, i);
      if (i < s.times.length && Math.abs(s.times[i] - tick) <= SAME_POLL_MS)
        stats.push(statAt(s, i));
    }
    for (const s of remote) {
      let i = remoteCursor.get(s) as number;
      while (i + 1 < s.times.length && s.times[i + 1] <= tick) i++;
      remoteCursor.set(s, i);
      if (i >= 0 && tick - s.times[i] <= REMOTE_CARRY_MS) stats.push(statAt(s, i));
    }
    if (stats.length > 0) yield { ts: tick, stats };
  }
}

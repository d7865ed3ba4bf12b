/**
 * Parser of chrome://webrtc-internals "Create dump" files (current Chrome and
 * the Chrome 86 layout without `statsType` / `-timestamp` series).
 *
 * Every renderer process (`pid`, i.e. a tab) is one recorded client; its
 * getUserMedia requests and RTCPeerConnections belong to it. The stats series
 * are turned back into getStats() snapshots and fed to the shared normaliser.
 */
import type { RawStat } from '../normalize/types.ts';
import { DumpFormatError } from './dump-format-error.ts';
import { snapshotsOf, statSeriesOf, MAX_SERIES_VALUES, type PcSeries } from './internals-series.ts';
import { convertLegacyGoogStats, isLegacyGoogStats } from './legacy-goog-stats.ts';
import type { ParsedDump } from './parsed-dump.ts';
import { RecordingBuilder } from './recording-builder.ts';
import { SkippedLines } from './skipped-lines.ts';
import {
  formatOffset,
  inferEventClock,
  parseZonelessTime,
  zonelessToEpoch,
  type EventClock,
  type ZonelessTime,
} from './zoneless-event-clock.ts';

type Json = Record<string, unknown>;

/** Decodes an updateLog value: new Chrome JSON-encodes values (`"\"connected\""`), old Chrome logs plain text. */
function decodeValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t.startsWith('{') || t.startsWith('[') || t.startsWith('"')) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}

/** Reads the time of an updateLog or getUserMedia entry (epoch ms). */
type TimeReader = (entry: Json) => number | undefined;

/** Times as written: epoch numbers, zoned text; zone-less text is read as UTC unless an inferred clock is given. */
function entryTime(entry: Json, clock?: EventClock): number | undefined {
  if (typeof entry.timestamp === 'number') return entry.timestamp;
  if (typeof entry.time === 'number') return entry.time;
  if (typeof entry.time === 'string') {
    const zoneless = clock ? parseZonelessTime(entry.time) : undefined;
    if (zoneless && clock) return zonelessToEpoch(zoneless, clock);
    const t = Date.parse(entry.time);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Zone-less time texts of the entries of a list (updateLog, getUserMedia). */
function zonelessTimesOf(list: unknown): ZonelessTime[] {
  if (!Array.isArray(list)) return [];
  const out: ZonelessTime[] = [];
  for (const e of list) {
    const time =
      typeof e === 'object' && e !== null && typeof (e as Json).timestamp !== 'number'
        ? (e as Json).time
        : undefined;
    const parsed = typeof time === 'string' ? parseZonelessTime(time) : undefined;
    if (parsed) out.push(parsed);
  }
  return out;
}

function groupLabel(pid: unknown): string {
  return pid === undefined || pid === null ? 'browser' : `pid ${String(pid)}`;
}

function trackInfo(
  value: unknown,
  kind: string,
): { id?: string; kind: string; label?: string } | undefined {
  const info = decodeValue(value);
  if (typeof info !== 'object' || info === null) return undefined;
  const i = info as { id?: unknown; label?: unknown };
  const out: { id?: string; kind: string; label?: string } = { kind };
  if (typeof i.id === 'string') out.id = i.id;
  if (typeof i.label === 'string') out.label = i.label;
  return out;
}

/** getUserMedia / getDisplayMedia requests and results as rtcstats-style trace calls. */
function importGetUserMedia(builder: RecordingBuilder, list: unknown, timeOf: TimeReader): void {
  if (!Array.isArray(list)) return;
  list.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null)
      throw new DumpFormatError('webrtc-internals dump: getUserMedia entries must be objects', {
        key: `getUserMedia[${index}]`,
      });
    const entry = raw as Json;
    const ts = timeOf(entry);
    if (ts === undefined) return;
    const label = groupLabel(entry.pid);
    const api = entry.request_type === 'getDisplayMedia' ? 'getDisplayMedia' : 'getUserMedia';
    if (
      entry.stream_id !== undefined ||
      entry.audio_track_info !== undefined ||
      entry.video_track_info !== undefined
    ) {
      const tracks = [
        trackInfo(entry.audio_track_info, 'audio'),
        trackInfo(entry.video_track_info, 'video'),
      ].filter((t) => t !== undefined);
      builder.trace(label, null, `${api}OnSuccess`, { id: entry.stream_id, tracks }, ts);
    } else if (entry.error !== undefined) {
      builder.trace(
        label,
        null,
        `${api}OnFailure`,
        { name: entry.error, message: entry.error_message },
        ts,
      );
    } else {
      const constraints: Json = {};
      if (entry.audio !== undefined)
        constraints.audio = decodeValue(entry.audio) === '' ? true : decodeValue(entry.audio);
      if (entry.video !== undefined)
        constraints.video = decodeValue(entry.video) === '' ? true : decodeValue(entry.video);
      builder.trace(label, null, api, constraints, ts);
    }
  });
}

/** A peer connection entry, validated, with its stats snapshots rebuilt. */
interface PreparedPc {
  key: string;
  pc: Json;
  log: unknown[];
  series: PcSeries;
  snapshots: { ts: number; stats: RawStat[] }[];
}

function preparePeerConnection(key: string, pc: Json): PreparedPc {
  const path = `PeerConnections.${key}`;
  const log = pc.updateLog ?? [];
  if (!Array.isArray(log))
    throw new DumpFormatError('webrtc-internals dump: updateLog must be an array', {
      key: `${path}.updateLog`,
    });
  const stats = pc.stats ?? {};
  if (typeof stats !== 'object' || stats === null || Array.isArray(stats))
    throw new DumpFormatError('webrtc-internals dump: stats must be an object', {
      key: `${path}.stats`,
    });
  const series = statSeriesOf(stats as Json, path);
  return { key, pc, log, series, snapshots: [...snapshotsOf(series)] };
}

function importPeerConnection(
  builder: RecordingBuilder,
  prepared: PreparedPc,
  timeOf: TimeReader,
  legacySeen: { value: boolean },
  skipped: SkippedLines,
): void {
  const { key, pc, log, series, snapshots } = prepared;
  const path = `PeerConnections.${key}`;
  const label = groupLabel(pc.pid ?? key.split('-')[0]);
  const logTimes = log
    .map((e) => (typeof e === 'object' && e !== null ? timeOf(e as Json) : undefined))
    .filter((t): t is number => t !== undefined);
  const firstTs = Math.min(...logTimes, ...(snapshots.length > 0 ? [snapshots[0].ts] : []));

  if (Number.isFinite(firstTs)) {
    const config = decodeValue(pc.rtcConfiguration);
    builder.trace(label, key, 'create', config, firstTs);
    const constraints = decodeValue(pc.constraints);
    if (constraints && typeof constraints === 'object')
      builder.trace(label, key, 'constraints', constraints, firstTs);
  }
  // Entries of other shapes are skipped and counted (skipped-lines.ts), as odd rtcstats lines are.
  log.forEach((raw, index) => {
    const where = `${path}.updateLog[${index}]`;
    if (typeof raw !== 'object' || raw === null)
      return skipped.shape('updateLog entry that is not an object', where);
    const entry = raw as Json;
    if (typeof entry.type !== 'string') return skipped.shape('updateLog entry without type', where);
    const ts = timeOf(entry);
    if (ts === undefined)
      return skipped.shape('updateLog entry without a readable timestamp/time', where);
    // Chrome before ~M90 logged `pc.close()` as `stop`.
    builder.trace(
      label,
      key,
      entry.type === 'stop' ? 'close' : entry.type,
      decodeValue(entry.value),
      ts,
    );
  });

  for (const snapshot of snapshots) {
    let report: RawStat[] = snapshot.stats;
    if (isLegacyGoogStats(report)) {
      legacySeen.value = true;
      report = convertLegacyGoogStats(report);
    }
    builder.stats(label, key, snapshot.ts, report);
  }
  if (series.trimmedBefore !== undefined) {
    const created = Number.isFinite(firstTs)
      ? ` (the peer connection's first recorded event is at ${new Date(firstTs).toISOString()})`
      : '';
    builder.markPartial(label, {
      complete_from: Math.round(series.trimmedBefore),
      reason: `webrtc-internals keeps only the last ${MAX_SERIES_VALUES} values of each stats series: stats of ${key} before ${new Date(series.trimmedBefore).toISOString()} were dropped${created}`,
    });
  }
}

/**
 * The time reader of a dump's events. Chrome 86-era dumps write event times as
 * local text without a zone; their clock (UTC offset, day/month order) is
 * inferred from the epoch times of the dump's stats (zoneless-event-clock.ts)
 * and said in a warning.
 */
function eventTimeReader(doc: Json, pcs: PreparedPc[], warnings: string[]): TimeReader {
  const zoneless = [
    ...zonelessTimesOf(doc.getUserMedia),
    ...pcs.flatMap((p) => zonelessTimesOf(p.log)),
  ];
  if (zoneless.length === 0) return (entry) => entryTime(entry);
  const statsTimes = pcs.flatMap((p) =>
    p.snapshots.length > 0 ? [p.snapshots[0]!.ts, p.snapshots[p.snapshots.length - 1]!.ts] : [],
  );
  const span =
    statsTimes.length > 0
      ? { from: Math.min(...statsTimes), to: Math.max(...statsTimes) }
      : undefined;
  const clock = inferEventClock(zoneless, span);
  if (!clock) {
    warnings.push(
      'event times are local times without a zone that are not valid dates in either day/month order; they were read as written, in UTC',
    );
    return (entry) => entryTime(entry);
  }
  const order = zoneless.every((t) => t.yearFirst)
    ? 'year first'
    : clock.dayFirst
      ? 'day first'
      : 'month first';
  warnings.push(
    span
      ? `event times are local times without a zone; read as UTC${formatOffset(clock.offsetMinutes)}, ${order}, the reading that agrees with the stats' epoch times`
      : `event times are local times without a zone and the dump has no stats to anchor them; read as UTC, ${order}`,
  );
  return (entry) => entryTime(entry, clock);
}

/** Parses a webrtc-internals dump object (already JSON-parsed). */
export function parseWebrtcInternals(doc: Json): ParsedDump {
  const builder = new RecordingBuilder();
  const peerConnections = doc.PeerConnections as Json;
  const clientFacts = {
    userAgent: doc.UserAgent ?? doc.userAgent,
    userAgentData: doc.UserAgentData,
    hardwareConcurrency: doc.hardwareConcurrency,
    deviceMemory: doc.deviceMemory,
  };
  const prepared = Object.entries(peerConnections).map(([key, pc]) => {
    if (typeof pc !== 'object' || pc === null)
      throw new DumpFormatError(
        'webrtc-internals dump: a peer connection entry must be an object',
        { key: `PeerConnections.${key}` },
      );
    return preparePeerConnection(key, pc as Json);
  });
  const dumpWarnings: string[] = [];
  const timeOf = eventTimeReader(doc, prepared, dumpWarnings);
  importGetUserMedia(builder, doc.getUserMedia, timeOf);
  const legacySeen = { value: false };
  const skipped = new SkippedLines('entry');
  for (const pc of prepared) importPeerConnection(builder, pc, timeOf, legacySeen, skipped);
  if (builder.isEmpty()) {
    throw new DumpFormatError(
      'webrtc-internals dump holds neither peer connections nor getUserMedia calls: nothing to import',
      { key: 'PeerConnections' },
    );
  }
  // One browser made the dump: every tab shares its user agent and device figures.
  builder.describeEveryClient(clientFacts);
  const clients = builder.build();
  const warnings = [...dumpWarnings, ...skipped.warnings(), ...builder.warnings];
  if (legacySeen.value)
    warnings.push('this dump holds legacy (goog*) stats; they were converted to standard stats');
  return { format: 'webrtc-internals', clients, warnings };
}

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
import { snapshotsOf, statSeriesOf, MAX_SERIES_VALUES } from './internals-series.ts';
import { convertLegacyGoogStats, isLegacyGoogStats } from './legacy-goog-stats.ts';
import type { ParsedDump } from './parsed-dump.ts';
import { RecordingBuilder } from './recording-builder.ts';

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

function timeOf(entry: Json): number | undefined {
  if (typeof entry.timestamp === 'number') return entry.timestamp;
  if (typeof entry.time === 'string' || typeof entry.time === 'number') {
    const t = typeof entry.time === 'number' ? entry.time : Date.parse(entry.time);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function groupLabel(pid: unknown): string {
  return pid === undefined || pid === null ? 'browser' : `pid ${String(pid)}`;
}

function trackInfo(value: unknown, kind: string): { id?: string; kind: string; label?: string } | undefined {
  const info = decodeValue(value);
  if (typeof info !== 'object' || info === null) return undefined;
  const i = info as { id?: unknown; label?: unknown };
  const out: { id?: string; kind: string; label?: string } = { kind };
  if (typeof i.id === 'string') out.id = i.id;
  if (typeof i.label === 'string') out.label = i.label;
  return out;
}

/** getUserMedia / getDisplayMedia requests and results as rtcstats-style trace calls. */
function importGetUserMedia(builder: RecordingBuilder, list: unknown): void {
  if (!Array.isArray(list)) return;
  list.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null) throw new DumpFormatError('webrtc-internals dump: getUserMedia entries must be objects', { key: `getUserMedia[${index}]` });
    const entry = raw as Json;
    const ts = timeOf(entry);
    if (ts === undefined) return;
    const label = groupLabel(entry.pid);
    const api = entry.request_type === 'getDisplayMedia' ? 'getDisplayMedia' : 'getUserMedia';
    if (entry.stream_id !== undefined || entry.audio_track_info !== undefined || entry.video_track_info !== undefined) {
      const tracks = [trackInfo(entry.audio_track_info, 'audio'), trackInfo(entry.video_track_info, 'video')].filter((t) => t !== undefined);
      builder.trace(label, null, `${api}OnSuccess`, { id: entry.stream_id, tracks }, ts);
    } else if (entry.error !== undefined) {
      builder.trace(label, null, `${api}OnFailure`, { name: entry.error, message: entry.error_message }, ts);
    } else {
      const constraints: Json = {};
      if (entry.audio !== undefined) constraints.audio = decodeValue(entry.audio) === '' ? true : decodeValue(entry.audio);
      if (entry.video !== undefined) constraints.video = decodeValue(entry.video) === '' ? true : decodeValue(entry.video);
      builder.trace(label, null, api, constraints, ts);
    }
  });
}

function importPeerConnection(builder: RecordingBuilder, key: string, pc: Json, legacySeen: { value: boolean }): void {
  const path = `PeerConnections.${key}`;
  const label = groupLabel(pc.pid ?? key.split('-')[0]);
  const log = pc.updateLog ?? [];
  if (!Array.isArray(log)) throw new DumpFormatError('webrtc-internals dump: updateLog must be an array', { key: `${path}.updateLog` });
  const stats = pc.stats ?? {};
  if (typeof stats !== 'object' || stats === null || Array.isArray(stats)) throw new DumpFormatError('webrtc-internals dump: stats must be an object', { key: `${path}.stats` });

  const series = statSeriesOf(stats as Json, path);
  const snapshots = [...snapshotsOf(series)];
  const logTimes = log.map((e) => (typeof e === 'object' && e !== null ? timeOf(e as Json) : undefined)).filter((t): t is number => t !== undefined);
  const firstTs = Math.min(...logTimes, ...(snapshots.length > 0 ? [snapshots[0].ts] : []));

  if (Number.isFinite(firstTs)) {
    const config = decodeValue(pc.rtcConfiguration);
    builder.trace(label, key, 'create', config, firstTs);
    const constraints = decodeValue(pc.constraints);
    if (constraints && typeof constraints === 'object') builder.trace(label, key, 'constraints', constraints, firstTs);
  }
  log.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null) throw new DumpFormatError('webrtc-internals dump: updateLog entries must be objects', { key: `${path}.updateLog[${index}]` });
    const entry = raw as Json;
    if (typeof entry.type !== 'string') throw new DumpFormatError('webrtc-internals dump: updateLog entry without type', { key: `${path}.updateLog[${index}]` });
    const ts = timeOf(entry);
    if (ts === undefined) throw new DumpFormatError('webrtc-internals dump: updateLog entry without timestamp/time', { key: `${path}.updateLog[${index}]` });
    builder.trace(label, key, entry.type, decodeValue(entry.value), ts);
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
    const created = Number.isFinite(firstTs) ? ` (the peer connection's first recorded event is at ${new Date(firstTs).toISOString()})` : '';
    builder.markPartial(label, {
      complete_from: Math.round(series.trimmedBefore),
      reason: `webrtc-internals keeps only the last ${MAX_SERIES_VALUES} values of each stats series: stats of ${key} before ${new Date(series.trimmedBefore).toISOString()} were dropped${created}`,
    });
  }
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
  importGetUserMedia(builder, doc.getUserMedia);
  const legacySeen = { value: false };
  for (const [key, pc] of Object.entries(peerConnections)) {
    if (typeof pc !== 'object' || pc === null) throw new DumpFormatError('webrtc-internals dump: a peer connection entry must be an object', { key: `PeerConnections.${key}` });
    importPeerConnection(builder, key, pc as Json, legacySeen);
  }
  if (builder.isEmpty()) {
    throw new DumpFormatError('webrtc-internals dump holds neither peer connections nor getUserMedia calls: nothing to import', { key: 'PeerConnections' });
  }
  // One browser made the dump: every tab shares its user agent and device figures.
  builder.describeEveryClient(clientFacts);
  const clients = builder.build();
  const warnings = builder.warnings;
  if (legacySeen.value) warnings.push('this dump holds legacy (goog*) stats; they were converted to standard stats');
  return { format: 'webrtc-internals', clients, warnings };
}


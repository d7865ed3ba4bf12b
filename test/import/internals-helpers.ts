/** Reads and rewrites webrtc-internals fixtures for tests (older layouts, long calls). */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type InternalsDump = {
  PeerConnections: Record<
    string,
    {
      pid?: number;
      updateLog: { type: string; value: string; timestamp?: number; time?: string }[];
      stats: Record<
        string,
        { startTime: string; endTime: string; statsType?: string; values: string }
      >;
      rtcConfiguration?: string;
      url?: string;
    }
  >;
  getUserMedia?: unknown[];
  UserAgent?: string;
  UserAgentData?: unknown;
  hardwareConcurrency?: number;
  deviceMemory?: number;
};

/** The parsed JSON of a (gzipped) webrtc-internals dump. */
export function readInternals(path: string): InternalsDump {
  const bytes = readFileSync(path);
  const text = bytes[0] === 0x1f ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return JSON.parse(text) as InternalsDump;
}

/** The values of one series (`<statId>-<field>`). */
export function seriesValues(dump: InternalsDump, pc: string, key: string): unknown[] {
  const entry = dump.PeerConnections[pc].stats[key];
  return entry ? (JSON.parse(entry.values) as unknown[]) : [];
}

/**
 * The same dump as Chrome 86 wrote it: no `statsType`, no `-timestamp`
 * series (per-value timestamps came in M117), updateLog entries with a `time`
 * string instead of a numeric `timestamp`, PC keys `<pid>-<lid>` without a
 * `pid` field, no `UserAgentData`.
 */
export function asChrome86Layout(dump: InternalsDump): InternalsDump {
  const out: InternalsDump = { getUserMedia: dump.getUserMedia, PeerConnections: {} };
  if (dump.UserAgent) out.UserAgent = dump.UserAgent;
  for (const [key, pc] of Object.entries(dump.PeerConnections)) {
    const stats: InternalsDump['PeerConnections'][string]['stats'] = {};
    for (const [name, series] of Object.entries(pc.stats)) {
      if (name.endsWith('-timestamp')) continue;
      stats[name] = { startTime: series.startTime, endTime: series.endTime, values: series.values };
    }
    const updateLog = pc.updateLog.map((e) => ({
      type: e.type,
      value: e.value,
      time: new Date(e.timestamp as number).toISOString(),
    }));
    out.PeerConnections[`${pc.pid}-${key.split('-')[1]}`] = {
      updateLog,
      stats,
      rtcConfiguration: pc.rtcConfiguration,
      url: pc.url,
    };
  }
  return out;
}

/**
 * Extends every series of `pcKey` to `length` values as a long call would
 * (one poll per second after the recorded ones, counters frozen), which is
 * what webrtc-internals' 1000-value cap looks like.
 */
export function extendSeries(dump: InternalsDump, pcKey: string, length: number): InternalsDump {
  const copy = JSON.parse(JSON.stringify(dump)) as InternalsDump;
  const pc = copy.PeerConnections[pcKey];
  for (const series of Object.values(pc.stats)) {
    const values = JSON.parse(series.values) as unknown[];
    if (values.length === 0) continue;
    const end = Date.parse(series.endTime);
    const extra = length - values.length;
    const isTimestamp = typeof values[0] === 'number' && (values[0] as number) > 1e12;
    for (let i = 1; i <= extra; i++)
      values.push(
        isTimestamp ? (values[values.length - 1] as number) + 1000 : values[values.length - 1],
      );
    series.values = JSON.stringify(values);
    series.endTime = new Date(end + extra * 1000).toISOString();
  }
  return copy;
}

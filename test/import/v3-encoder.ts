/**
 * Test helper: writes a decoded rtcstats recording in the rtcstats v3 file
 * format (github.com/rtcstats/rtcstats packages/rtcstats-shared: method and
 * property tables, delta compression where a missing id is unchanged and
 * `null` removes it, the collapsed `t` timestamp, time deltas as last element).
 * Used to check our v3 reader against recordings we can also read directly.
 */
import {
  V3_METHODS,
  V3_STATS_PROPERTIES,
  V3_STATS_TYPES,
} from '../../src/import/rtcstats-v3-tables.ts';
import type { RawStat } from '../../src/normalize/types.ts';

const invert = (table: Record<string, string>): Map<string, string> =>
  new Map(Object.entries(table).map(([k, v]) => [v, k]));
const METHOD_IDS = invert(V3_METHODS);
METHOD_IDS.set('getStats', 'g');
const PROPERTY_IDS = invert(V3_STATS_PROPERTIES);
const TYPE_IDS = invert(V3_STATS_TYPES);

function compressId<T>(
  map: Map<string, string>,
  name: string,
  numeric: (s: string) => T,
): T | string {
  const id = map.get(name);
  return id === undefined ? name : numeric(id);
}

const asNumberIfNumeric = (s: string): number | string => (/^\d+$/.test(s) ? Number(s) : s);

/** One event of a recording: `[method, pcId, value, timeMs]`, with getStats values as full reports. */
export type RecordingEvent = [string, string | null, unknown, number];

function statsDelta(base: Map<string, RawStat>, report: RawStat[]): Record<string, unknown> {
  const delta: Record<string, Record<string, unknown> | null> = {};
  const ids = new Set(report.map((s) => s.id));
  for (const id of base.keys()) if (!ids.has(id)) delta[id] = null;
  for (const stat of report) {
    const old = base.get(stat.id);
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(stat)) {
      if (k === 'id') continue;
      if (!old || JSON.stringify(old[k]) !== JSON.stringify(v)) changed[k] = v;
    }
    if (Object.keys(changed).length > 0) delta[stat.id] = changed;
  }
  let top = -Infinity;
  for (const s of Object.values(delta))
    if (s && typeof s.timestamp === 'number' && s.timestamp > top) top = s.timestamp;
  const out: Record<string, unknown> = {};
  for (const [id, s] of Object.entries(delta)) {
    if (s === null) {
      out[id] = null;
      continue;
    }
    const compressed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'timestamp' && v === top) continue;
      const key = compressId(PROPERTY_IDS, k, asNumberIfNumeric);
      compressed[String(key)] = k === 'type' ? compressId(TYPE_IDS, v as string, Number) : v;
    }
    if (Object.keys(compressed).length > 0) out[id] = compressed;
  }
  if (top !== -Infinity) out.t = top;
  return out;
}

/** The v3 file text of a recording. */
export function encodeRtcstatsV3(
  metadata: Record<string, unknown>,
  events: RecordingEvent[],
): string {
  const lines = ['RTCStatsDump', JSON.stringify({ ...metadata, fileFormat: 3 })];
  const bases = new Map<string, Map<string, RawStat>>();
  let last = 0;
  for (const [method, pc, value, time] of events) {
    let encodedValue = value;
    if (method === 'getStats' && pc !== null) {
      const base = bases.get(pc) ?? new Map<string, RawStat>();
      const report = value as RawStat[];
      encodedValue = statsDelta(base, report);
      bases.set(pc, new Map(report.map((s) => [s.id, s])));
    }
    lines.push(
      JSON.stringify([
        compressId(METHOD_IDS, method, asNumberIfNumeric),
        pc,
        encodedValue,
        time - last,
      ]),
    );
    last = time;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * An independent reading of an rtcstats line dump (jitsi/fippo format,
 * delta-compressed `getstats`), for tests that derive their expected values
 * from the raw file instead of from our importer: the full stats of every
 * `getstats` line, per connection, in order.
 */
import { readFileSync } from 'node:fs';

/** One stat object, as Chrome or Firefox gave it. */
export type RawStat = Record<string, unknown>;

/** One `getstats` report of one connection: its time and its stats by id (complete, not deltas). */
export interface RawReport {
  pc: string;
  ts: number;
  stats: ReadonlyMap<string, RawStat>;
}

/** Every `getstats` report of the dump, delta compression undone, in file order. */
export function rawReports(path: string): RawReport[] {
  const state = new Map<string, Map<string, RawStat>>();
  const out: RawReport[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('["getstats"')) continue;
    const [, pc, value, ts] = JSON.parse(line) as [string, string, Record<string, unknown>, number];
    const stats = state.get(pc) ?? new Map<string, RawStat>();
    state.set(pc, stats);
    for (const [id, stat] of Object.entries(value)) {
      if (stat === null) stats.delete(id);
      else if (typeof stat === 'object') stats.set(id, { ...stats.get(id), ...(stat as RawStat) });
    }
    out.push({ pc, ts, stats: new Map([...stats].map(([k, v]) => [k, { ...v }])) });
  }
  return out;
}

/** The series of one kind of stat per `pc|ssrc`: the stat at each report where it exists. */
export function ssrcSeries(
  reports: readonly RawReport[],
  type: string,
  kind: string,
): Map<string, { ts: number; stat: RawStat }[]> {
  const out = new Map<string, { ts: number; stat: RawStat }[]>();
  for (const r of reports)
    for (const stat of r.stats.values()) {
      if (stat.type !== type || (stat.kind ?? stat.mediaType) !== kind) continue;
      const key = `${r.pc}|${String(stat.ssrc)}`;
      const list = out.get(key) ?? [];
      list.push({ ts: r.ts, stat });
      out.set(key, list);
    }
  return out;
}

/** Delta of a numeric field between two stats (undefined when either lacks it). */
export function delta(a: RawStat, b: RawStat, field: string): number | undefined {
  const x = a[field];
  const y = b[field];
  return typeof x === 'number' && typeof y === 'number' ? y - x : undefined;
}

/**
 * "No acknowledged sample is lost or counted twice": compares what the
 * server acknowledged to a page with the rows of the peer report.
 */
import type { AckRecord } from './peer-page.ts';
import type { ReportParticipant } from './realtimekit.ts';

/** Acknowledged sample timestamps (and packets) per stream, keyed `<series>|<ssrc>`. */
export function ackedSamples(acks: AckRecord[]): Map<string, Map<number, number | undefined>> {
  const ids = new Set<string>();
  const out = new Map<string, Map<number, number | undefined>>();
  for (const ack of acks) {
    if (ids.has(ack.batch_id)) throw new Error(`batch ${ack.batch_id} acknowledged twice`);
    ids.add(ack.batch_id);
    for (const s of ack.samples) {
      const [, direction, media, ssrc] = s.key.split('|');
      const key = `${media}_${direction}|${ssrc}`;
      let m = out.get(key);
      if (!m) out.set(key, (m = new Map()));
      if (m.has(s.ts)) throw new Error(`sample ${key}@${s.ts} was in two batches`);
      m.set(s.ts, s.packets);
    }
  }
  return out;
}

/** Report row timestamps (epoch ms, in report order) per stream, keyed `<series>|<ssrc>`. */
export function reportedSamples(r: ReportParticipant): Map<string, number[]> {
  const quality = (r.peer_report?.quality ?? {}) as Record<string, unknown>;
  const out = new Map<string, number[]>();
  for (const [series, list] of Object.entries(quality)) {
    if (series.endsWith('_cumulative') || !Array.isArray(list)) continue;
    for (const row of list as Record<string, unknown>[]) {
      const key = `${series}|${row.ssrc}`;
      let ts = out.get(key);
      if (!ts) out.set(key, (ts = []));
      ts.push(Date.parse(String(row.timestamp)));
    }
  }
  return out;
}

/** Problems found: acknowledged samples missing from the report, or samples reported twice. */
export function accountingProblems(
  acked: Map<string, Map<number, unknown>>,
  reported: Map<string, number[]>,
): string[] {
  const problems: string[] = [];
  for (const [key, list] of reported) {
    const dupes = list.filter((t, i) => list.indexOf(t) !== i);
    if (dupes.length) problems.push(`${key}: reported twice at ${dupes.join(', ')}`);
  }
  for (const [key, samples] of acked) {
    const have = new Set(reported.get(key) ?? []);
    const missing = [...samples.keys()].filter((t) => !have.has(t));
    if (missing.length)
      problems.push(
        `${key}: ${missing.length} acknowledged samples missing (${missing.slice(0, 5).join(', ')})`,
      );
  }
  return problems;
}

/**
 * What another peer's report needs of this peer's sent streams to blame a
 * sender: per sent stream, its loss episodes and its silent stretches. Small
 * (a few hundred bytes per stream), stored with the finished peer's diagnosis.
 */
import { findEpisodes } from './episodes.ts';
import { LOSS } from './thresholds.ts';
import type { DiagnosisStream, ProducerSummary } from './types.ts';

/** Silent stretches shorter than this are not kept. */
const SILENT_MIN_MS = 4_000;

/** The summaries of the sent streams. */
export function producerSummaries(streams: readonly DiagnosisStream[]): ProducerSummary[] {
  const out: ProducerSummary[] = [];
  for (const s of streams) {
    if (s.direction !== 'send' || s.intervals.length === 0) continue;
    const loss = findEpisodes(s.intervals, (i) => i.lossPct, {
      ...LOSS,
      typicalPastEnter: true,
    }).map((e): [number, number, number] => [e.start, e.end, Math.max(...e.values)]);
    const silent = findEpisodes(
      s.intervals,
      (i) => (i.packets === undefined || i.d === undefined ? undefined : i.packets === 0 ? 1 : 0),
      { enter: 1, exit: 1, minDurationMs: SILENT_MIN_MS, minSamples: 1, mergeGapMs: 2_000 },
    ).map((e): [number, number] => [e.start, e.end]);
    const p: ProducerSummary = {
      key: s.key,
      medium: s.medium,
      topology: s.topology,
      first: s.intervals[0].t,
      last: s.intervals[s.intervals.length - 1].t,
      loss,
      silent,
    };
    if (s.ssrc !== undefined) p.ssrc = s.ssrc;
    if (s.producerId !== undefined) p.producer_id = s.producerId;
    if (s.remotePeerId !== undefined) p.remote_peer_id = s.remotePeerId;
    out.push(p);
  }
  return out;
}

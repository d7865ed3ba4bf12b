/** Reading figures out of a peer report (rows are per-interval, as the server derives them). */
import type { ReportParticipant } from './realtimekit.ts';

export type Row = Record<string, unknown>;
export type Series =
  `${'audio' | 'video' | 'screenshare_audio' | 'screenshare_video'}_${'producer' | 'consumer'}`;

/** The per-sample rows of one series. */
export function rows(r: ReportParticipant, series: Series): Row[] {
  const quality = (r.peer_report?.quality ?? {}) as Record<string, unknown>;
  return (quality[series] as Row[] | undefined) ?? [];
}

/** The aggregate (`<series>_cumulative`) of one series. */
export function cumulative(
  r: ReportParticipant,
  series: Series,
): Record<string, Record<string, number>> {
  const quality = (r.peer_report?.quality ?? {}) as Record<string, unknown>;
  return (
    (quality[`${series}_cumulative`] as Record<string, Record<string, number>> | undefined) ?? {}
  );
}

/** Sum of a per-interval counter over rows: the stream's cumulative count at its last sample. */
export function total(list: Row[], field: string): number {
  return list.reduce(
    (s, row) => s + (typeof row[field] === 'number' ? (row[field] as number) : 0),
    0,
  );
}

/** The defined numeric values of a field. */
export function values(list: Row[], field: string): number[] {
  return list.map((row) => row[field]).filter((v): v is number => typeof v === 'number');
}

/** Every candidate pair of the report, both transports. */
export function candidatePairs(r: ReportParticipant): Row[] {
  const cp = (r.peer_report?.metadata?.candidate_pairs ?? {}) as {
    producing_transport?: Row[];
    consuming_transport?: Row[];
  };
  return [...(cp.producing_transport ?? []), ...(cp.consuming_transport ?? [])];
}

/** `|a - b|` relative to the larger of the two. */
export function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(a, b, 1);
}

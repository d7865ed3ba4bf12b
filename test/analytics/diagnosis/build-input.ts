/** Hand-built diagnosis inputs for the rule tests: 2-second intervals from a start time. */
import type {
  DiagnosisInput,
  DiagnosisInterval,
  DiagnosisStream,
  Direction,
  Medium,
  Topology,
} from '../../../src/analytics/diagnosis/types.ts';

export const T0 = Date.UTC(2026, 10, 30, 10, 30, 0);

/** Epoch ms `s` seconds after T0. */
export const at = (s: number): number => T0 + s * 1000;

/** `n` intervals of 2 s ending at 2, 4, … s, each from `fill(index)`. */
export function intervals(
  n: number,
  fill: (k: number) => Partial<DiagnosisInterval>,
): DiagnosisInterval[] {
  return Array.from({ length: n }, (_, k) => ({
    t: at(2 * (k + 1)),
    d: 2,
    packets: 100,
    ...fill(k),
  }));
}

/** A stream with those intervals. */
export function stream(
  key: string,
  direction: Direction,
  medium: Medium,
  ivs: DiagnosisInterval[],
  extra: Partial<
    Pick<DiagnosisStream, 'remotePeerId' | 'producerId' | 'ssrc' | 'topology' | 'pc'>
  > = {},
): DiagnosisStream {
  const topology: Topology = extra.topology ?? 'unknown';
  return {
    key,
    direction,
    medium,
    pc: extra.pc ?? key.split('|')[0],
    topology,
    intervals: ivs,
    ...extra,
  };
}

/** A peer input with those streams. */
export function peer(
  streams: DiagnosisStream[],
  extra: Partial<DiagnosisInput> = {},
): DiagnosisInput {
  return {
    peerId: 'self',
    joinedAt: T0,
    leftAt: at(600),
    streams,
    events: [],
    transports: [],
    ...extra,
  };
}

/** `k` in [from, to) (interval indices). */
export const during = (k: number, from: number, to: number): boolean => k >= from && k < to;

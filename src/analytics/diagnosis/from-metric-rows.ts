/**
 * Fills the rules' {@link DiagnosisInterval} from a stored {@link MetricRow},
 * with the repair and bandwidth evidence of the packed rows (formats 2 and 3,
 * analytics/interval-evidence.ts): NACKs, PLI, FIR, retransmitted packets, FEC
 * received and discarded, freezes and frozen time, concealment (not counting
 * silence), available outgoing and encoder target bitrate. Rows of format 2
 * chunks have no PLI, FIR or FEC (undefined). The rules were calibrated against
 * the real dumps before reading these (docs/diagnosis.md).
 */
import type { MetricRow } from '../metric-row.ts';
import type { DiagnosisInterval, Medium } from './types.ts';
import type { QualitySeries } from '../../model/telemetry.ts';

const LIMITATION = { b: 'bandwidth', c: 'cpu', o: 'other' } as const;

/**
 * One metric row as a rule input. One object literal with every key
 * (`undefined` when absent), so V8 reads all intervals through one hidden class.
 */
export function intervalFromMetricRow(r: MetricRow): DiagnosisInterval {
  return {
    t: r.t,
    d: r.d,
    lossPct: r.loss,
    rttMs: r.rtt,
    jitterMs: r.jit,
    jitterBufferMs: r.jb,
    mos: r.mos,
    fps: r.fps,
    width: r.w,
    height: r.h,
    bitrateBps: r.br,
    packets: r.pk,
    noVideo: r.nv !== undefined ? true : r.fr !== undefined ? false : undefined,
    limitation: r.ql === undefined ? undefined : LIMITATION[r.ql],
    freezeRatio: r.fz,
    feedback: r.fb,
    // The repair and bandwidth evidence of the packed rows (formats 2 and 3; analytics/interval-evidence.ts).
    nackCount: r.nk,
    pliCount: r.pli,
    firCount: r.fir,
    retransmittedPackets: r.rx,
    // Packets counted lost in the interval, and those counted lost earlier that arrived in it (reordered,
    // late): the loss rule nets them out (late-arrivals.ts).
    countedLost: r.pl,
    repairedPackets: r.rp,
    fecPacketsReceived: r.fec,
    fecPacketsDiscarded: r.fecd,
    freezeCount: r.fc,
    freezeDurationMs: r.fd,
    concealedPct: r.cs,
    availableOutgoingKbps: r.ab,
    targetKbps: r.tb,
  };
}

/** Direction and medium of a series. */
export function seriesShape(
  series: string,
): { direction: 'send' | 'receive'; medium: Medium } | undefined {
  const m = /^(audio|video|screenshare_audio|screenshare_video)_(producer|consumer)$/.exec(
    series as QualitySeries,
  );
  if (!m) return undefined;
  return {
    direction: m[2] === 'producer' ? 'send' : 'receive',
    medium: m[1].startsWith('screenshare') ? 'screenshare' : (m[1] as Medium),
  };
}

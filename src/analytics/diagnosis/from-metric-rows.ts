/**
 * Fills the rules' {@link DiagnosisInterval} from today's stored
 * {@link MetricRow}. The lead maps the richer per-interval fields here
 * (`nack_count`, `pli_count`, `fir_count`, `retransmitted_packets`,
 * `fec_packets_received`, `freeze_count`, `freeze_duration_ms`,
 * `concealed_samples_pct`, `available_outgoing_bitrate_kbps`,
 * `target_bitrate_kbps`) once the metric rows carry them.
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
    nackCount: undefined,
    pliCount: undefined,
    firCount: undefined,
    retransmittedPackets: undefined,
    fecPacketsReceived: undefined,
    freezeCount: undefined,
    freezeDurationMs: undefined,
    concealedPct: undefined,
    availableOutgoingKbps: undefined,
    targetKbps: undefined,
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

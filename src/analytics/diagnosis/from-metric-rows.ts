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

/** One metric row as a rule input. */
export function intervalFromMetricRow(r: MetricRow): DiagnosisInterval {
  const i: DiagnosisInterval = { t: r.t };
  if (r.d !== undefined) i.d = r.d;
  if (r.loss !== undefined) i.lossPct = r.loss;
  if (r.rtt !== undefined) i.rttMs = r.rtt;
  if (r.jit !== undefined) i.jitterMs = r.jit;
  if (r.jb !== undefined) i.jitterBufferMs = r.jb;
  if (r.mos !== undefined) i.mos = r.mos;
  if (r.fps !== undefined) i.fps = r.fps;
  if (r.w !== undefined) i.width = r.w;
  if (r.h !== undefined) i.height = r.h;
  if (r.br !== undefined) i.bitrateBps = r.br;
  if (r.pk !== undefined) i.packets = r.pk;
  if (r.nv !== undefined) i.noVideo = true;
  else if (r.fr !== undefined) i.noVideo = false;
  if (r.ql !== undefined) i.limitation = LIMITATION[r.ql];
  if (r.fz !== undefined) i.freezeRatio = r.fz;
  if (r.fb !== undefined) i.feedback = r.fb;
  return i;
}

/** Direction and medium of a series. */
export function seriesShape(series: string): { direction: 'send' | 'receive'; medium: Medium } | undefined {
  const m = /^(audio|video|screenshare_audio|screenshare_video)_(producer|consumer)$/.exec(series as QualitySeries);
  if (!m) return undefined;
  return { direction: m[2] === 'producer' ? 'send' : 'receive', medium: m[1].startsWith('screenshare') ? 'screenshare' : (m[1] as Medium) };
}

/**
 * INTERIM verdict and issue kinds of a finished peer for the fleet rollups
 * (pure), until the diagnosis engine (branch h13) provides a stored per-peer
 * verdict: at merge, this one function is what to replace.
 *
 * Interim rule, from the peer's own figures only:
 * - the peer's MOS is the lower of its audio and video MOS (averages over
 *   its samples); the verdict is `good` at ≥ 4.0, `fair` at ≥ 3.6, `poor` at
 *   ≥ 3.1, `bad` below (ITU-T P.800 bands: 4 good, 3.6 "some users
 *   dissatisfied", 3.1 "many dissatisfied");
 * - packet loss (the peer's median interval) ≥ 5 % or RTT (median) ≥ 400 ms
 *   makes it at least `poor`; loss ≥ 15 % makes it `bad`;
 * - a peer without any MOS, loss or RTT is `good` only if nothing else is
 *   known against it (it has no issue kinds).
 * Issue kinds: `high_loss` (loss p90 ≥ 5 %), `high_rtt` (RTT p50 ≥ 300 ms),
 * `high_jitter` (jitter p90 ≥ 30 ms), `low_audio_mos` (< 3.6),
 * `low_video_mos` (< 3.6), `relay_tcp` (media relayed over TCP or TLS).
 */

/** Verdicts, best first. */
export const VERDICTS = ['good', 'fair', 'poor', 'bad'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Issue kinds, in bitmask order. */
export const ISSUE_KINDS = [
  'high_loss',
  'high_rtt',
  'high_jitter',
  'low_audio_mos',
  'low_video_mos',
  'relay_tcp',
] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];

/** The figures the interim rule reads. */
export interface VerdictInputs {
  audio_mos: number | null;
  video_mos: number | null;
  loss_p50: number | null;
  loss_p90: number | null;
  rtt_p50: number | null;
  jitter_p90: number | null;
  /** e.g. `relay-tcp`, `direct-udp-wifi` (network-class.ts). */
  network: string;
}

/** The verdict and issue kinds of one peer (INTERIM rule, see the module comment). */
export function rollupVerdict(p: VerdictInputs): { verdict: Verdict; issues: IssueKind[] } {
  const issues: IssueKind[] = [];
  if (p.loss_p90 !== null && p.loss_p90 >= 5) issues.push('high_loss');
  if (p.rtt_p50 !== null && p.rtt_p50 >= 300) issues.push('high_rtt');
  if (p.jitter_p90 !== null && p.jitter_p90 >= 30) issues.push('high_jitter');
  if (p.audio_mos !== null && p.audio_mos < 3.6) issues.push('low_audio_mos');
  if (p.video_mos !== null && p.video_mos < 3.6) issues.push('low_video_mos');
  if (p.network.startsWith('relay-tcp') || p.network.startsWith('relay-tls'))
    issues.push('relay_tcp');

  const mosValues = [p.audio_mos, p.video_mos].filter((v): v is number => v !== null);
  let rank = 0;
  if (mosValues.length > 0) {
    const mos = Math.min(...mosValues);
    rank = mos >= 4 ? 0 : mos >= 3.6 ? 1 : mos >= 3.1 ? 2 : 3;
  }
  if ((p.loss_p50 !== null && p.loss_p50 >= 5) || (p.rtt_p50 !== null && p.rtt_p50 >= 400))
    rank = Math.max(rank, 2);
  if (p.loss_p50 !== null && p.loss_p50 >= 15) rank = 3;
  return { verdict: VERDICTS[rank], issues };
}

/** Bitmask of `issues` (bit i = ISSUE_KINDS[i]). */
export function issueMask(issues: readonly IssueKind[]): number {
  let m = 0;
  for (const k of issues) m |= 1 << ISSUE_KINDS.indexOf(k);
  return m;
}

/** The issue kinds of a bitmask. */
export function issuesOfMask(mask: number): IssueKind[] {
  return ISSUE_KINDS.filter((_, i) => (mask & (1 << i)) !== 0);
}

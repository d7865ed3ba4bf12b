/** Stored rollup rows as numbers (PostgreSQL returns bigint columns as strings). */
import type { PeerRollup } from '../rollup/peer-rollup.ts';
import type { PeerRollupsTable } from './rollup-schema.ts';

/** A stored `peer_rollups` row with every numeric field a number. */
export function numericRollup(r: PeerRollupsTable | PeerRollup): PeerRollup {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    ...r,
    joined_at: Number(r.joined_at),
    finished_at: Number(r.finished_at),
    minutes: Number(r.minutes),
    audio_mos: num(r.audio_mos),
    video_mos: num(r.video_mos),
    loss_p50: num(r.loss_p50),
    loss_p90: num(r.loss_p90),
    rtt_p50: num(r.rtt_p50),
    rtt_p90: num(r.rtt_p90),
    jitter_p50: num(r.jitter_p50),
    jitter_p90: num(r.jitter_p90),
    issue_mask: Number(r.issue_mask),
    severity: Number(r.severity),
  };
}

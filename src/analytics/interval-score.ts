/**
 * The explained MOS of one interval (audio-mos.ts or video-mos.ts on the interval's figures), with where its RTT
 * and loss came from, and no score where the interval carries no media to judge (track ended or inactive, no
 * packets).
 */
import type { StreamSample } from '../model/telemetry.ts';
import { audioMos } from './audio-mos.ts';
import { videoMos } from './video-mos.ts';
import type { MosResult } from './mos-result.ts';
import type { IntervalFigures } from './interval-figures.ts';

/** Default expected frame rate of camera video (rtcscore's expected-fps term). */
const CAMERA_EXPECTED_FPS = 30;

/** What the caller knows of the sender's aims (see stream-interval.ts `DeriveOptions`). */
export interface ScoreOptions {
  expected_fps?: number;
  expected_width?: number;
  expected_height?: number;
}

/** The interval's MOS and its explanation. */
export function scoreInterval(
  cur: StreamSample,
  figures: IntervalFigures,
  options: ScoreOptions,
): MosResult {
  const { audio, consumer, rtt, rttSource, jitter, loss, lossSource, jbMs, bitrate, fps } = figures;
  const { freezeRatio, reset, dPackets } = figures;
  let detail: MosResult;
  if (audio) {
    detail = audioMos({
      codec: cur.codec,
      clock_rate: cur.clock_rate,
      rtt_ms: rtt,
      jitter_ms: jitter,
      loss_pct: loss,
      jitter_buffer_delay_ms: jbMs,
      bitrate_bps: bitrate,
      fec: cur.fec,
      dtx: cur.dtx,
    });
  } else {
    const expectedFps =
      options.expected_fps ?? (cur.media === 'video' ? CAMERA_EXPECTED_FPS : undefined);
    detail = videoMos({
      codec: cur.codec,
      bitrate_bps: bitrate,
      frame_width: cur.frame_width,
      frame_height: cur.frame_height,
      frames_per_second: fps,
      expected_fps: expectedFps,
      expected_width: options.expected_width,
      expected_height: options.expected_height,
      loss_pct: loss,
      rtt_ms: rtt,
      freeze_ratio: freezeRatio,
      jitter_buffer_delay_ms: jbMs,
    });
  }
  if (rttSource !== undefined) detail.inputs.rtt_source = rttSource;
  if (lossSource !== undefined) detail.inputs.loss_source = lossSource;
  if (reset !== undefined) detail.inputs.counter_reset = reset;
  if (cur.track_ended === true) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason = 'no score: track ended (stopped), no media from it in this interval';
  } else if (cur.active === false) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason = 'no score: track inactive (muted or disabled) in this interval';
  } else if (audio && consumer && dPackets === 0) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason =
      'no score: no media received in the interval (sender muted, stopped or cut off, or the path is down)';
  } else if (audio && dPackets === 0) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason =
      'no score: no packets in the interval (muted, paused or DTX silence), loss cannot be computed';
  }
  return detail;
}

/**
 * Video MOS from bits per pixel per frame, frame rate, resolution, delay, loss
 * and freezes. Method `rtcscore-video-ext@1`.
 *
 * 1. Coding quality, from rtcscore (ggarber/rtcscore `src/score.js`, copied in
 *    ObserveRTC client-monitor-js `calculateVideoMOS`; quality-scoring.md §2.5 #1):
 *      bpppf = codecFactor · bitrate / (pixels · fps)
 *      base  = clamp(0.56 · ln(bpppf) + 5.36, 1, 5)
 *    `pixels` is the *expected* picture size, as in rtcscore, so a stream the
 *    sender had to shrink pays for the pixels it should have had. The expected
 *    size is `expected_width × expected_height` when the caller knows it,
 *    otherwise 640 × 360 (our default: the smallest size at which a camera tile
 *    is usually rendered); a larger actual picture always wins. The 0.56 and
 *    5.36 are rtcscore's fit ("a logarithmic regression on some very limited
 *    test data", `scripts/fit.py`). codecFactor is 1.2 for VP9 (rtcscore) and,
 *    by our choice, for AV1 and H.265 (at least as efficient as VP9; no
 *    published factor), 1 otherwise.
 * 2. Frame rate (rtcscore): − 1.9 · ln(expected_fps / fps) when fps is below
 *    the expected rate; no bonus above it. No term when `expected_fps` is not
 *    given (screen sharing legitimately runs at a few fps).
 * 3. Delay (rtcscore): − 0.002 · (jitter_buffer_delay_ms + rtt_ms / 2); each part
 *    only when known.
 *    Steps 1–3 are clamped to [1, 4.5].
 * 4. Loss (our addition; rtcscore has none because loss shows up in bitrate and
 *    fps). The G.1070 form Vq = 1 + Icoding · exp(−Ppl/DPplV) (§2.5 #4) with our
 *    own constant DPplV = 12.5 %: WebRTC video repairs most loss with NACK/RTX,
 *    so the decay is gentler than G.1070's unrepaired coefficients. It matches
 *    LiveKit's "GOOD at 2 % video loss" boundary (a 4.5 picture drops to 3.98,
 *    LiveKit's R = 80 ↔ MOS 4.02, §2.1 L). At 10 % loss a 4.5 picture scores 2.57.
 * 5. Freezes (our addition): a frozen picture scores 1, so the interval scores
 *    the time-weighted mean of the playing quality and 1:
 *      MOS = 1 + (MOS₄ − 1) · (1 − freeze_ratio)
 *
 * Every step is non-increasing in loss, RTT, jitter-buffer delay and freeze
 * ratio, so the score is monotone in them. Special cases: fps = 0 with bytes
 * flowing scores 1 (rtcscore: "MOS = 1 when fps = 0"); nothing flowing at all
 * (bitrate 0 and fps 0) gives no score. Required: bitrate, width, height, fps.
 */
import { clamp, finite, finiteNonNegative, round, type MosResult } from './mos-result.ts';

export type { MosResult } from './mos-result.ts';

/** Figures for one interval of one video stream. */
export interface VideoMosInput {
  /** Codec name or mime type (`video/VP8`, `VP9`, `H264`, `AV1`...). */
  codec?: string;
  /** Payload bitrate for the interval, bits/s. Required. */
  bitrate_bps?: number;
  /** Picture size at the end of the interval. Required. */
  frame_width?: number;
  frame_height?: number;
  /** Frames per second in the interval. Required. */
  frames_per_second?: number;
  /** Frame rate the sender aims for; no frame-rate term when absent. */
  expected_fps?: number;
  /** Picture size the sender aims for; defaults to 640 × 360. */
  expected_width?: number;
  expected_height?: number;
  /** Packet loss, percent (0..100). */
  loss_pct?: number;
  rtt_ms?: number;
  /** Share of the interval spent frozen, 0..1. */
  freeze_ratio?: number;
  jitter_buffer_delay_ms?: number;
}

/** Method id of this model. */
export const VIDEO_METHOD = 'rtcscore-video-ext@1';

/** Default expected picture: 640 × 360 pixels. */
const DEFAULT_EXPECTED_PIXELS = 640 * 360;
/** rtcscore coding fit: base = 0.56·ln(bpppf) + 5.36. */
const BPP_SLOPE = 0.56;
const BPP_INTERCEPT = 5.36;
/** rtcscore frame-rate slope: 1.9 per natural-log unit of fps shortfall. */
const FPS_SLOPE = 1.9;
/** rtcscore delay slope: 0.002 MOS per ms of (buffer + rtt/2). */
const DELAY_SLOPE = 0.002;
/** Our loss decay constant DPplV, percent (see step 4 above). */
const LOSS_DECAY_PCT = 12.5;

function codecFactor(codec: string | undefined): number {
  if (codec === undefined) return 1;
  const name = codec
    .trim()
    .toLowerCase()
    .replace(/^video\//, '');
  return name === 'vp9' || name === 'av1' || name === 'h265' || name === 'hevc' ? 1.2 : 1;
}

/** Scores one interval of one video stream; no `mos` when bitrate, size or fps is unknown. */
export function videoMos(input: VideoMosInput): MosResult {
  const inputs: Record<string, number | string | boolean> = {};
  const bitrate = finiteNonNegative(input.bitrate_bps);
  const width = finite(input.frame_width);
  const height = finite(input.frame_height);
  const fps = finiteNonNegative(input.frames_per_second);
  const expectedFps = finite(input.expected_fps);
  const expW = finite(input.expected_width);
  const expH = finite(input.expected_height);
  const lossRaw = finite(input.loss_pct);
  const loss = lossRaw === undefined ? undefined : clamp(lossRaw, 0, 100);
  const rtt = finiteNonNegative(input.rtt_ms);
  const fzRaw = finite(input.freeze_ratio);
  const freeze = fzRaw === undefined ? undefined : clamp(fzRaw, 0, 1);
  const jb = finiteNonNegative(input.jitter_buffer_delay_ms);

  if (input.codec !== undefined) inputs.codec = input.codec;
  if (bitrate !== undefined) inputs.bitrate_bps = bitrate;
  if (width !== undefined) inputs.frame_width = width;
  if (height !== undefined) inputs.frame_height = height;
  if (fps !== undefined) inputs.frames_per_second = fps;
  if (expectedFps !== undefined && expectedFps > 0) inputs.expected_fps = expectedFps;
  if (loss !== undefined) inputs.loss_pct = loss;
  if (rtt !== undefined) inputs.rtt_ms = rtt;
  if (freeze !== undefined) inputs.freeze_ratio = freeze;
  if (jb !== undefined) inputs.jitter_buffer_delay_ms = jb;

  const missing: string[] = [];
  if (bitrate === undefined) missing.push('bitrate_bps');
  if (width === undefined || width <= 0) missing.push('frame_width');
  if (height === undefined || height <= 0) missing.push('frame_height');
  if (fps === undefined) missing.push('frames_per_second');
  if (missing.length > 0) {
    return {
      method: VIDEO_METHOD,
      inputs,
      missing,
      reason: `no score: ${missing.join(', ')} unavailable for this interval`,
    };
  }
  const br = bitrate as number;
  const f = fps as number;
  if (br === 0 && f === 0) {
    return {
      method: VIDEO_METHOD,
      inputs,
      reason: 'no score: no video flowed in the interval (paused or muted)',
    };
  }
  if (f === 0) {
    return {
      mos: 1,
      method: VIDEO_METHOD,
      inputs,
      impairments: { base: 1 },
      reason: 'bytes flowed but no frame was rendered/encoded: frozen, scored 1 (rtcscore)',
    };
  }

  const actualPixels = (width as number) * (height as number);
  const expectedPixels =
    expW !== undefined && expH !== undefined && expW > 0 && expH > 0
      ? expW * expH
      : DEFAULT_EXPECTED_PIXELS;
  const pixels = Math.max(actualPixels, expectedPixels);
  inputs.reference_pixels = pixels;
  const factor = codecFactor(input.codec);
  inputs.codec_factor = factor;

  const bpppf = (factor * br) / (pixels * f);
  const base = bpppf > 0 ? clamp(BPP_SLOPE * Math.log(bpppf) + BPP_INTERCEPT, 1, 5) : 1;
  const fpsPenalty =
    expectedFps !== undefined && expectedFps > 0 && f < expectedFps
      ? FPS_SLOPE * Math.log(expectedFps / f)
      : 0;
  const delayPenalty = DELAY_SLOPE * ((jb ?? 0) + (rtt ?? 0) / 2);
  const coded = clamp(base - fpsPenalty - delayPenalty, 1, 4.5);
  const lossFactor = loss === undefined ? 1 : Math.exp(-loss / LOSS_DECAY_PCT);
  const afterLoss = 1 + (coded - 1) * lossFactor;
  const freezeFactor = freeze === undefined ? 1 : 1 - freeze;
  const final = clamp(1 + (afterLoss - 1) * freezeFactor, 1, 4.5);

  const notes: string[] = [];
  if (rtt === undefined) notes.push('rtt unknown: no rtt/2 delay term');
  if (loss === undefined) notes.push('loss unknown: no loss term');
  const network = videoNetworkMos({
    rtt_ms: rtt,
    jitter_buffer_delay_ms: jb,
    loss_pct: loss,
    freeze_ratio: freeze,
  });
  const result: MosResult = {
    mos: round(final, 2),
    method: VIDEO_METHOD,
    inputs,
    impairments: {
      bpppf: round(bpppf, 5),
      base: round(base, 3),
      fps_penalty: round(fpsPenalty, 3),
      delay_penalty: round(delayPenalty, 3),
      loss_factor: round(lossFactor, 4),
      freeze_factor: round(freezeFactor, 4),
      // The two halves of the score (docs/quality-model.md, "Network and content"): what the sender chose
      // to send (bits per pixel, frame rate) and what the network did to it (delay, loss, freezes).
      content_mos: round(clamp(base - fpsPenalty, 1, 4.5), 2),
      ...(network === undefined ? {} : { network_mos: network }),
    },
  };
  if (notes.length > 0) result.reason = notes.join('; ');
  return result;
}

/** The network figures of one video interval (see {@link videoNetworkMos}). */
export interface VideoNetworkInput {
  rtt_ms?: number;
  jitter_buffer_delay_ms?: number;
  loss_pct?: number;
  freeze_ratio?: number;
}

/**
 * The network's share of a video interval's score: `rtcscore-video-ext@1`
 * with the coding terms at their best (4.5, as if the sender had sent a full
 * picture at its full frame rate), so only delay, loss and freezes lower it:
 *   1 + (4.5 − 0.002 · (jitter_buffer_delay_ms + rtt_ms / 2) − 1) · exp(−loss / 12.5) · (1 − freeze_ratio).
 * A clean network reads ~4.4 whatever the camera sends; a small, slow camera
 * picture lowers `content_mos` and `mos_quality`, not this. Undefined when
 * neither loss nor RTT is known (nothing says the network was fine).
 */
export function videoNetworkMos(input: VideoNetworkInput): number | undefined {
  const rtt = finiteNonNegative(input.rtt_ms);
  const lossRaw = finite(input.loss_pct);
  const loss = lossRaw === undefined ? undefined : clamp(lossRaw, 0, 100);
  if (rtt === undefined && loss === undefined) return undefined;
  const jb = finiteNonNegative(input.jitter_buffer_delay_ms);
  const fzRaw = finite(input.freeze_ratio);
  const freeze = fzRaw === undefined ? 0 : clamp(fzRaw, 0, 1);
  const delayed = clamp(4.5 - DELAY_SLOPE * ((jb ?? 0) + (rtt ?? 0) / 2), 1, 4.5);
  const lossFactor = loss === undefined ? 1 : Math.exp(-loss / LOSS_DECAY_PCT);
  return round(clamp(1 + (delayed - 1) * lossFactor * (1 - freeze), 1, 4.5), 2);
}

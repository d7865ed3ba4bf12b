/**
 * Every threshold of the diagnosis rules, with its source
 * (`/work/shared/reference/quality-scoring.md` §1C, §2.5; docs/diagnosis.md
 * repeats them). `enter` opens an episode, `exit` is the hysteresis level a
 * sample must fall below to end it, `fair`/`poor`/`bad` grade the episode's
 * typical (median) value.
 */

/**
 * Packet loss, percent of packets. Enter at 3 %: Twilio warns on an average
 * above 3 % (statsMonitor.ts `maxAverage: 3`); exit below 1 %: ObserveRTC's
 * "good" limit and Twilio's per-sample limit. Poor from 5 % (RealtimeKit's
 * first bucket, webrtc-issue-detector, Daily "good" limit), bad from 20 %
 * (ObserveRTC's −5 penalty; LiveKit's Opus score is LOST well before).
 */
export const LOSS = { enter: 3, exit: 1, fair: 3, poor: 5, bad: 20 } as const;

/**
 * Round-trip time, ms. Enter at 300 ms (ObserveRTC "bad" > 300, Daily
 * "good" < 300), exit below 250 ms (RealtimeKit's middle bucket). Poor from
 * 500 ms (RealtimeKit's top bucket; Twilio warns at 400), bad from 1000 ms
 * (one-way delay 500 ms: G.114 calls > 400 ms unacceptable).
 */
export const RTT = { enter: 300, exit: 250, fair: 300, poor: 500, bad: 1000 } as const;

/**
 * Interarrival jitter, ms. Enter at 30 ms (Twilio `jitter.max 30`,
 * ObserveRTC "good" < 30), exit below 20 ms. Poor from 50 ms, bad from
 * 100 ms (ObserveRTC "bad" > 100).
 */
export const JITTER = { enter: 30, exit: 20, fair: 30, poor: 50, bad: 100 } as const;

/**
 * Audio concealment, percent of samples. Enter above 3 %, exit below 1 %
 * (client-monitor-js, "Webex-aligned", over a 15 s window); poor from 5 %,
 * bad from 15 %.
 */
export const CONCEALMENT = { enter: 3, exit: 1, fair: 3, poor: 5, bad: 15 } as const;

/**
 * Video freezes: an episode is kept when at least 1 s was frozen
 * (ObserveRTC: a freeze is perceptible above 1 s). Poor from 5 s frozen or
 * 10 % of the episode, bad from 20 s or 30 %.
 */
export const FREEZE = {
  minFrozenS: 1,
  poorFrozenS: 5,
  poorShare: 0.1,
  badFrozenS: 20,
  badShare: 0.3,
} as const;

/**
 * Bandwidth and CPU limitation of the sent video. Chrome reports
 * `qualityLimitationReason: bandwidth` for the first 20–26 s of a clean 720p
 * call while its estimate ramps up (issue 13, real calls), so limitation in
 * the first 30 s of a stream is ignored; an episode needs 10 s. Poor when the
 * picture lost half its pixels or a third of its frame rate, bad below
 * 150 kbit/s or a quarter of the pixels (Vonage's table: 180p needs 150 kbit/s).
 * An available outgoing bitrate under 300 kbit/s (Vonage: 270p needs 300)
 * counts as bandwidth limitation even without the reason.
 */
export const LIMITATION = {
  rampUpMs: 30_000,
  minDurationMs: 10_000,
  poorPixelShare: 0.5,
  poorFpsShare: 0.67,
  badPixelShare: 0.25,
  badBitrateBps: 150_000,
  lowAvailableKbps: 300,
  /**
   * The low available bitrate counts only when the stream sent at least this share of it: Chrome's
   * estimate stays low for a sender that never needs more (measured in the scenario suite: unimpaired
   * 160x120 senders had estimates under 300 kbit/s and were graded "bad" without this).
   */
  usedShareOfAvailable: 0.5,
  /**
   * An encoder whose target bitrate is under this share of what its picture needs
   * ({@link videoNeedKbps}), while the transport's estimate is under that need too and
   * the stream sends at least {@link LIMITATION.usedShareOfTarget} of its target, is held
   * down by bandwidth even when Chrome does not say so. Chrome names a reason only for
   * resolution and frame-rate adaptation: an encoder already at its smallest picture drops
   * frames instead and says `none` (measured in the scenario suite: a 320x240 sender behind a
   * 300 kbit/s cap shared by two connections, targets 30–125 kbit/s, estimates 85–200 kbit/s,
   * 6–15 fps, reason `none` throughout; an unimpaired 160x120 sender: target 600, estimate
   * 1,300 kbit/s).
   */
  starvedShareOfNeed: 0.5,
  /** A stream sending less than this share of its target is application-limited (it needs no more). */
  usedShareOfTarget: 0.5,
  /**
   * P2P mesh: another connection's sent video counts as limited at the same time when at least
   * this share of its judged intervals in the range show a limitation signal.
   */
  jointShare: 0.5,
} as const;

/**
 * Bitrate a video picture of `pixels` needs, kbit/s: Vonage's power fit to its encoder
 * configuration (opentok-network-test-js `subscriberMOS.ts`, r² = 0.98; quality-scoring.md
 * §2.5 item 2): `10^(2.069924867 · (log10 px)^0.6250223771)` bit/s, so 160x120 ≈ 138,
 * 320x240 ≈ 379, 640x360 ≈ 819 and 1280x720 ≈ 2,089 kbit/s.
 */
export function videoNeedKbps(pixels: number): number {
  if (!(pixels > 1)) return 0;
  return 10 ** (2.069924867 * Math.log10(pixels) ** 0.6250223771) / 1000;
}

/** No media received: at least 10 s without a packet (audio) or a frame (video). */
export const NO_MEDIA = { minDurationMs: 10_000 } as const;

/** ICE disconnected: graded by its length (fair below 5 s, poor below 15 s, bad from 15 s). */
export const DISCONNECTED = { poorMs: 5_000, badMs: 15_000 } as const;

/** Episodes of sample-based rules: merge gaps, minimum length and samples, so one bad sample is not an issue. */
export const EPISODE = { mergeGapMs: 6_000, minDurationMs: 4_000, minSamples: 2 } as const;

/**
 * Precall figures that predict an in-call issue: loss ≥ 3 %, RTT ≥ 300 ms,
 * jitter ≥ 30 ms (the enter levels above), throughput under 500 kbit/s
 * (Vonage: 360p needs 500), or no relay connectivity.
 */
export const PRECALL = {
  lossFraction: 0.03,
  rttMs: 300,
  jitterMs: 30,
  throughputKbps: 500,
} as const;

/** Grades a value against fair/poor/bad levels (higher is worse). */
export function gradeHigh(
  value: number,
  levels: { fair: number; poor: number; bad: number },
): 'fair' | 'poor' | 'bad' {
  if (value >= levels.bad) return 'bad';
  if (value >= levels.poor) return 'poor';
  return 'fair';
}

/**
 * Concealment is judged only when sustained: an episode needs ≥ 10 s and ≥ 3
 * samples (client-monitor-js judges it over a 15 s window). Measured on the real
 * dumps (scripts/evidence-distribution.ts): a stream's first intervals conceal
 * 1–65 % while its jitter buffer fills, and clean streams show isolated 2–7 %
 * intervals (a jitter-buffer adaptation) between clean ones; a starved stream
 * (half its packets missing) conceals 6–35 % in every interval for 30 s and more.
 */
export const CONCEALMENT_EPISODE = { minDurationMs: 10_000, minSamples: 3 } as const;

/**
 * Repaired loss on received video: retransmitted packets received (else NACKs
 * sent) per 100 packets received. An SFU that retransmits hides downlink loss
 * from `packetsLost` (issue 13: "10 % downlink loss on video shows as 0 % lost
 * and only as NACKs, retransmissions and freezes"). A retransmission replaces
 * one lost packet; NACKs are the fallback when the browser gives no
 * retransmission count (Firefox, Chrome before ~M110), and overcount: a
 * receiver repeats the NACK of one packet every round trip until it arrives
 * (the real Firefox SFU dump sends 8–10 NACKs for 1 lost packet). Same levels
 * as packet loss (enter 3 %, exit 1 %), at most `poor`: the packets arrived
 * in the end, at the cost of delay and bandwidth (freezes are judged by their
 * own rule). Sustained only (≥ 3 samples over ≥ 6 s), so a repaired burst is
 * no issue; intervals with fewer than `minPackets` are not judged. Measured
 * (scripts/evidence-distribution.ts): real clean calls stay below 0.4 %
 * outside such bursts; the real relayed call with freezes reaches 14–18 % in
 * single 10 s intervals.
 */
export const REPAIR = {
  enter: 3,
  exit: 1,
  fair: 3,
  poor: 5,
  bad: 20,
  minPackets: 50,
  minSamples: 3,
  minDurationMs: 6_000,
} as const;

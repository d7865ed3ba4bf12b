/**
 * Video rules: the sender's bandwidth and CPU limitation, and the receiver's
 * freezes.
 *
 * Limitation is read as a series, not from the reason alone: Chrome says
 * `bandwidth` for the first 20–26 s of a clean call while its estimate ramps
 * up, so the first {@link LIMITATION.rampUpMs} of a stream are ignored, an
 * episode must last {@link LIMITATION.minDurationMs}, and its severity comes
 * from what the viewer lost: pixels and frame rate against the stream's best
 * before the episode, and the bitrate left.
 */
import {
  findEpisodes,
  firstAfter,
  intervalStart,
  round,
  within,
  type RawEpisode,
} from './episodes.ts';
import { episodeIssue, pathUnknown } from './issue-builder.ts';
import { FREEZE, LIMITATION, videoNeedKbps } from './thresholds.ts';
import type { DiagnosisInterval, DiagnosisStream, Issue, Severity } from './types.ts';

function pixels(i: DiagnosisInterval): number | undefined {
  return i.width !== undefined && i.height !== undefined ? i.width * i.height : undefined;
}

/** Best pixels and frame rate of a stream up to each interval (prefix maxima), computed once per stream. */
function prefixBest(stream: DiagnosisStream): { px: Float64Array; fps: Float64Array } {
  const n = stream.intervals.length;
  const px = new Float64Array(n);
  const fps = new Float64Array(n);
  let bestPx = 0;
  let bestFps = 0;
  for (let k = 0; k < n; k++) {
    const i = stream.intervals[k];
    const p = pixels(i);
    if (p !== undefined && p > bestPx) bestPx = p;
    if (i.fps !== undefined && i.fps > bestFps) bestFps = i.fps;
    px[k] = bestPx;
    fps[k] = bestFps;
  }
  return { px, fps };
}

/** What the viewer lost during `e` compared with the best of the stream before it. */
function lossOfPicture(
  stream: DiagnosisStream,
  e: RawEpisode,
  best: { px: Float64Array; fps: Float64Array },
): { severity: Severity; detail: Record<string, number> } {
  const before = firstAfter(stream.intervals, e.start) - 1;
  const bestPx = before >= 0 ? best.px[before] : 0;
  const bestFps = before >= 0 ? best.fps[before] : 0;
  let minPx = Infinity;
  let minFps = Infinity;
  let minBr = Infinity;
  for (const i of within(stream.intervals, e.start, e.end)) {
    if (i.packets === 0) continue;
    const px = pixels(i);
    if (px !== undefined) minPx = Math.min(minPx, px);
    if (i.fps !== undefined) minFps = Math.min(minFps, i.fps);
    if (i.bitrateBps !== undefined) minBr = Math.min(minBr, i.bitrateBps);
  }
  const detail: Record<string, number> = {};
  let severity: Severity = 'fair';
  const pxShare = bestPx > 0 && Number.isFinite(minPx) ? minPx / bestPx : undefined;
  const fpsShare = bestFps > 0 && Number.isFinite(minFps) ? minFps / bestFps : undefined;
  if (pxShare !== undefined) {
    detail.pixel_share = round(pxShare, 2);
    if (pxShare <= LIMITATION.poorPixelShare) severity = 'poor';
    if (pxShare <= LIMITATION.badPixelShare) severity = 'bad';
  }
  if (fpsShare !== undefined) {
    detail.fps_before = round(bestFps, 1);
    detail.fps_lowest = round(minFps, 1);
    if (fpsShare <= LIMITATION.poorFpsShare && severity === 'fair') severity = 'poor';
  }
  if (Number.isFinite(minBr)) {
    detail.lowest_bitrate_kbps = Math.round(minBr / 1000);
    if (minBr < LIMITATION.badBitrateBps) severity = 'bad';
  }
  return { severity, detail };
}

/**
 * 1 when an interval of a sent video shows bandwidth limitation, 0 when it was judged clean,
 * undefined when nothing tells (nothing sent, no figures). Limited when:
 * - the encoder said `bandwidth` (`qualityLimitationReason`: it stepped resolution or fps down);
 * - the transport's estimate was too low for video and the stream used most of it (a sender well
 *   under its estimate, application-limited, keeps the estimate low because it never probes higher);
 * - the encoder was starved: its target bitrate under half what its picture needs
 *   ({@link videoNeedKbps}), the estimate under that need too (so not an app's own bitrate cap) and
 *   above the target (the target follows the estimate), and the stream sending at least half its
 *   target (not application-limited). Chrome says `none` here
 *   when the encoder cannot step its picture down any more and drops frames instead.
 * The starved signal is for camera video only (`camera`): Vonage's need is fitted on camera pictures at
 * 30 fps, and a screen share sends large pictures at a few frames per second by design.
 * Exported for the mesh attribution, which reads it on the peer's other connections.
 */
export function bandwidthSignal(i: DiagnosisInterval, camera = true): number | undefined {
  if (i.packets === 0) return undefined; // nothing sent (paused, muted): no picture to limit
  if (i.limitation === 'bandwidth') return 1;
  if (
    i.availableOutgoingKbps !== undefined &&
    i.availableOutgoingKbps < LIMITATION.lowAvailableKbps &&
    (i.bitrateBps === undefined ||
      i.bitrateBps >= LIMITATION.usedShareOfAvailable * i.availableOutgoingKbps * 1000)
  )
    return 1;
  const px = pixels(i);
  if (camera && i.targetKbps !== undefined && px !== undefined && i.bitrateBps !== undefined) {
    const need = videoNeedKbps(px);
    if (
      i.targetKbps < LIMITATION.starvedShareOfNeed * need &&
      (i.availableOutgoingKbps === undefined ||
        (i.availableOutgoingKbps < need && i.targetKbps <= i.availableOutgoingKbps)) &&
      i.bitrateBps >= LIMITATION.usedShareOfTarget * i.targetKbps * 1000
    )
      return 1;
  }
  if (i.limitation !== undefined || i.availableOutgoingKbps !== undefined || i.fps !== undefined)
    return 0;
  return undefined;
}

/** Bandwidth-limitation issues of one sent video stream. */
export function bandwidthIssues(stream: DiagnosisStream): Issue[] {
  if (stream.direction !== 'send' || stream.medium === 'audio') return [];
  // The ramp-up counts from the first media sent (a connection may wait long before it connects).
  const first = stream.intervals.find((i) => (i.packets ?? 0) > 0);
  if (!first) return [];
  const notBefore = intervalStart(first) + LIMITATION.rampUpMs;
  const camera = stream.medium === 'video';
  const limited = (i: DiagnosisInterval) => bandwidthSignal(i, camera);
  const found = findEpisodes(stream.intervals, limited, {
    enter: 1,
    exit: 1,
    notBefore,
    minDurationMs: LIMITATION.minDurationMs,
  });
  const best = found.length ? prefixBest(stream) : undefined;
  return found.map((e) => {
    const { severity, detail } = lossOfPicture(stream, e, best!);
    const during = within(stream.intervals, e.start, e.end);
    const avail = during
      .filter((i) => i.availableOutgoingKbps !== undefined)
      .map((i) => i.availableOutgoingKbps as number);
    if (avail.length) detail.lowest_available_outgoing_kbps = Math.round(Math.min(...avail));
    const target = during
      .filter((i) => i.targetKbps !== undefined)
      .map((i) => i.targetKbps as number);
    if (target.length) detail.lowest_target_kbps = Math.round(Math.min(...target));
    return episodeIssue(stream, e, {
      kind: 'bandwidth_limited',
      metric: 'limited_samples',
      threshold: 1,
      severity,
      detail,
      attribution: {
        cause: stream.topology === 'p2p' ? 'network_path' : 'own_uplink',
        confidence: 'medium',
        reason:
          stream.topology === 'p2p'
            ? "the sender's bandwidth estimate covers the whole P2P path: this peer's uplink or the receiver's downlink"
            : "the encoder lowered quality because the bandwidth estimate of this peer's uplink was too low",
      },
    });
  });
}

/** CPU-limitation issues of one sent video stream. */
export function cpuIssues(stream: DiagnosisStream): Issue[] {
  if (stream.direction !== 'send' || stream.medium === 'audio') return [];
  const limited = (i: DiagnosisInterval): number | undefined =>
    i.packets === 0
      ? undefined
      : i.limitation === 'cpu'
        ? 1
        : i.limitation !== undefined || i.fps !== undefined
          ? 0
          : undefined;
  const found = findEpisodes(stream.intervals, limited, {
    enter: 1,
    exit: 1,
    minDurationMs: LIMITATION.minDurationMs,
  });
  const best = found.length ? prefixBest(stream) : undefined;
  return found.map((e) => {
    const { severity, detail } = lossOfPicture(stream, e, best!);
    return episodeIssue(stream, e, {
      kind: 'cpu_limited',
      metric: 'limited_samples',
      threshold: 1,
      severity,
      detail,
      attribution: {
        cause: 'own_device',
        confidence: 'high',
        reason: 'the browser reported the encoder limited by CPU (qualityLimitationReason: cpu)',
      },
    });
  });
}

/** Frozen seconds of an interval: from the freeze duration when given, else from the frozen share. */
function frozenSeconds(i: DiagnosisInterval): number | undefined {
  if (i.freezeDurationMs !== undefined) return i.freezeDurationMs / 1000;
  if (i.freezeRatio !== undefined && i.d !== undefined) return i.freezeRatio * i.d;
  return undefined;
}

/** Freeze issues of one received video stream. */
export function freezeIssues(stream: DiagnosisStream): Issue[] {
  if (stream.direction !== 'receive' || stream.medium === 'audio') return [];
  const found = findEpisodes(stream.intervals, frozenSeconds, {
    enter: 0.001,
    exit: 0.001,
    minDurationMs: 0,
    minSamples: 1,
    mergeGapMs: 10_000,
  });
  const out: Issue[] = [];
  for (const e of found) {
    const frozen = e.values.reduce((a, b) => a + b, 0);
    if (frozen < FREEZE.minFrozenS) continue;
    const share = e.end > e.start ? frozen / ((e.end - e.start) / 1000) : 1;
    let severity: Severity = 'fair';
    if (frozen >= FREEZE.poorFrozenS || share >= FREEZE.poorShare) severity = 'poor';
    if (frozen >= FREEZE.badFrozenS || share >= FREEZE.badShare) severity = 'bad';
    const issue = episodeIssue(stream, e, {
      kind: 'video_freeze',
      metric: 'frozen_s_per_sample',
      threshold: FREEZE.minFrozenS,
      severity,
      detail: { frozen_s: round(frozen, 1), frozen_share: round(Math.min(1, share), 2) },
      attribution: pathUnknown('freezes seen on this stream only'),
    });
    const count = within(stream.intervals, e.start, e.end).reduce(
      (a, i) => a + (i.freezeCount ?? 0),
      0,
    );
    if (count > 0) issue.evidence.detail!.freezes = count;
    out.push(issue);
  }
  return out;
}

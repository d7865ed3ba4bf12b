/**
 * Received-media rules: audio concealment, and media that stopped arriving.
 *
 * "No media received" cannot tell from one side whether the sender muted,
 * stopped its track or lost its network: alone it is `fair` with a low
 * confidence; `blame.ts` raises it to `bad` when the sender's own report shows
 * it was sending, and drops it when the sender sent nothing either.
 */
import { findEpisodes, median, within } from './episodes.ts';
import { episodeIssue, pathUnknown } from './issue-builder.ts';
import { CONCEALMENT, CONCEALMENT_EPISODE, gradeHigh, NO_MEDIA } from './thresholds.ts';
import type { DiagnosisInterval, DiagnosisStream, Issue } from './types.ts';

/**
 * Concealment of one interval, when it says something: not a stream's first
 * sample (no previous one: its figure covers the whole stream so far) and not
 * an interval without packets (nothing to conceal from: "no media received").
 */
function concealedPct(i: DiagnosisInterval): number | undefined {
  return i.d === undefined || i.packets === 0 ? undefined : i.concealedPct;
}

/** Audio-concealment issues of one received audio stream (needs the concealment percentage). */
export function concealmentIssues(stream: DiagnosisStream): Issue[] {
  if (stream.direction !== 'receive' || stream.medium === 'video') return [];
  return findEpisodes(stream.intervals, concealedPct, {
    ...CONCEALMENT,
    ...CONCEALMENT_EPISODE,
    typicalPastEnter: true,
  }).map((e) =>
    episodeIssue(stream, e, {
      kind: 'audio_concealment',
      metric: 'concealed_samples_pct',
      threshold: CONCEALMENT.enter,
      severity: gradeHigh(median(e.values), CONCEALMENT),
      attribution: pathUnknown('concealment seen on this stream only'),
    }),
  );
}

/** 1 when nothing arrived in the interval, 0 when something did, undefined when unknown. */
function nothingArrived(stream: DiagnosisStream): (i: DiagnosisInterval) => number | undefined {
  const video = stream.medium !== 'audio';
  return (i) => {
    if (video && i.noVideo !== undefined) return i.noVideo ? 1 : 0;
    if (i.packets === undefined || i.d === undefined) return undefined; // a first sample says nothing about a rate
    return i.packets === 0 ? 1 : 0;
  };
}

/**
 * "No media received" issues of one received stream: stretches without media
 * after media had flowed (a receiver that never got anything is an unused
 * slot: an SFU's spare simulcast or last-N slot, a remote without a camera).
 */
export function noMediaIssues(stream: DiagnosisStream): Issue[] {
  if (stream.direction !== 'receive') return [];
  const first = stream.intervals.find((i) => nothingArrived(stream)(i) === 0);
  if (!first) return [];
  return findEpisodes(stream.intervals, nothingArrived(stream), {
    enter: 1,
    exit: 1,
    minDurationMs: NO_MEDIA.minDurationMs,
    notBefore: first.t + 1,
  }).map((e) =>
    episodeIssue(stream, e, {
      kind: 'no_media_received',
      metric: stream.medium === 'audio' ? 'empty_samples' : 'samples_without_frames',
      threshold: 1,
      severity: 'fair',
      attribution: pathUnknown(
        'nothing arrived, but from this side a muted or stopped sender looks the same',
      ),
    }),
  );
}

/**
 * Marks the "no media received" issues during which every received stream
 * with data was empty (`detail.all_streams_silent = 1`): from one side that is
 * the only case worth raising without the sender's report (this peer's
 * downlink, the server, or everybody muted at once). `blame.ts` keeps the
 * others only when the sender's report shows it was sending.
 */
export function markAllSilent(issues: readonly Issue[], streams: readonly DiagnosisStream[]): void {
  const empty = issues.filter((i) => i.kind === 'no_media_received');
  for (const issue of empty) {
    const withData = streams.filter(
      (s) =>
        s.direction === 'receive' &&
        within(s.intervals, issue.start, issue.end).some((i) => nothingArrived(s)(i) !== undefined),
    );
    const silent = withData.every((s) =>
      empty.some(
        (o) =>
          o.streams.some((a) => a.key === s.key) &&
          o.start <= issue.start + 2_000 &&
          o.end >= issue.end - 2_000,
      ),
    );
    if (withData.length >= 1 && silent) {
      issue.evidence.detail = {
        ...issue.evidence.detail,
        all_streams_silent: 1,
        streams_silent: withData.length,
      };
      issue.attribution = {
        cause: 'network_path',
        confidence: 'low',
        reason: `all ${withData.length} received stream(s) stopped together: this peer's downlink, the server, or every sender muted at once`,
      };
    }
  }
}

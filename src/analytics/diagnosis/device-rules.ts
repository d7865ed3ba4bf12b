/**
 * Device rules from the peer's events: getUserMedia/getDisplayMedia failures,
 * a local track that ended or whose source went silent (`track_muted`), and
 * devices changing or disappearing mid-call. A user muting themselves
 * (`track_disabled`) is not a problem; the older collector's `mute` event
 * mixes both and is ignored. Events in the last 5 s of the call are hang-up.
 */
import { ADVICE } from './advice.ts';
import type { DiagnosisInput, Issue, Severity } from './types.ts';

const HANG_UP_MS = 5_000;
const MERGE_MS = 10_000;

const RULES: Readonly<Record<string, { severity: Severity; what: string }>> = {
  get_user_media_failure: {
    severity: 'poor',
    what: 'the camera or microphone could not be opened (getUserMedia failed)',
  },
  get_display_media_failure: {
    severity: 'fair',
    what: 'screen sharing could not start (getDisplayMedia failed)',
  },
  track_ended: {
    severity: 'poor',
    what: 'a local track ended mid-call (device unplugged, permission revoked or taken by another application)',
  },
  track_muted: {
    severity: 'fair',
    what: "a local track's source stopped delivering media (track muted by the browser)",
  },
  device_removed: { severity: 'fair', what: 'a media device disappeared mid-call' },
  device_change: { severity: 'fair', what: 'the device list changed mid-call' },
};

function eventText(e: { name: string; metadata?: Record<string, unknown> }): string | undefined {
  const m = e.metadata;
  if (!m) return undefined;
  const parts = ['kind', 'error', 'track', 'label']
    .map((k) => (typeof m[k] === 'string' ? `${k} ${String(m[k]).slice(0, 80)}` : undefined))
    .filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

/** Device issues. */
export function deviceIssues(input: DiagnosisInput): Issue[] {
  const lastData = Math.max(
    input.joinedAt,
    ...input.streams.flatMap((s) =>
      s.intervals.length ? [s.intervals[s.intervals.length - 1].t] : [],
    ),
  );
  // A finished call ends at its last data or its leave, whichever is first; a live one has no end yet.
  const end =
    input.leftAt === undefined
      ? Number.POSITIVE_INFINITY
      : Math.min(input.leftAt, lastData > input.joinedAt ? lastData : input.leftAt);
  const sentMedia = input.streams.some(
    (s) => s.direction === 'send' && s.intervals.some((i) => (i.packets ?? 0) > 0),
  );
  const out: Issue[] = [];
  for (const e of [...input.events].sort((a, b) => a.ts - b.ts)) {
    const rule = RULES[e.name];
    if (!rule) continue;
    const failure = e.name.endsWith('_failure');
    // Hang-up: tracks end and devices go when the call ends.
    if (!failure && e.ts >= end - HANG_UP_MS) continue;
    if (!failure && e.name.startsWith('device_') && e.ts < input.joinedAt + HANG_UP_MS) continue;
    const last = out[out.length - 1];
    if (last && last.evidence.detail?.event === e.name && e.ts - last.end <= MERGE_MS) {
      last.end = e.ts;
      last.evidence.samples++;
      last.evidence.worst = last.evidence.typical = last.evidence.samples;
      continue;
    }
    const severity: Severity =
      e.name === 'get_user_media_failure' && !sentMedia ? 'bad' : rule.severity;
    const text = eventText(e);
    // The track's kind names the medium (the sentence then says "Poor video sent", not "Poor connection").
    const kind = e.metadata?.kind;
    out.push({
      kind: 'device_problem',
      severity,
      start: e.ts,
      end: e.ts,
      direction: 'send',
      ...(kind === 'audio' || kind === 'video' ? { medium: kind } : {}),
      streams: [],
      evidence: {
        metric: 'device_events',
        worst: 1,
        typical: 1,
        threshold: 1,
        samples: 1,
        detail: { event: e.name, ...(text ? { metadata: text } : {}) },
      },
      attribution: { cause: 'own_device', confidence: 'high', reason: rule.what },
      advice: ADVICE.device_problem,
    });
  }
  return out;
}

/**
 * Delivery bodies, in RealtimeKit's shapes (camelCase, ISO-8601 times with
 * milliseconds and `Z`): the shared `meeting` object, the `participant`
 * object, and one builder per event. Pure: the caller reads the rows.
 */
import type {
  AppsTable,
  MeetingsTable,
  ParticipantsTable,
  PeersTable,
  SessionsTable,
} from '../store/schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The rows an event about one peer is built from. */
export interface PeerEventRows {
  app: Pick<AppsTable, 'id' | 'name'>;
  meeting: Pick<MeetingsTable, 'id' | 'title' | 'created_at'>;
  session: Pick<SessionsTable, 'id' | 'started_at' | 'ended_at' | 'status'>;
  participant: Pick<ParticipantsTable, 'name' | 'custom_participant_id'>;
  peer: Pick<PeersTable, 'id' | 'joined_at' | 'left_at' | 'account_id'>;
}

/**
 * RealtimeKit's `meeting` object. `status` is `LIVE` in every RealtimeKit
 * example, `meeting.ended` included, so it is here too; `endedAt` appears once
 * the session has ended.
 */
export function meetingObject(
  rows: Pick<PeerEventRows, 'app' | 'meeting' | 'session'>,
): Record<string, unknown> {
  const { app, meeting, session } = rows;
  return {
    id: meeting.id,
    sessionId: session.id,
    title: meeting.title ?? '',
    status: 'LIVE',
    createdAt: iso(meeting.created_at),
    startedAt: iso(session.started_at),
    ...(session.status === 'ENDED' && session.ended_at !== null
      ? { endedAt: iso(session.ended_at) }
      : {}),
    organizedBy: { id: app.id, name: app.name },
  };
}

/** RealtimeKit's `participant` object (`leftAt` once the peer has left). */
export function participantObject(
  rows: Pick<PeerEventRows, 'participant' | 'peer'>,
): Record<string, unknown> {
  const { participant, peer } = rows;
  return {
    peerId: peer.id,
    userDisplayName: participant.name ?? '',
    customParticipantId: participant.custom_participant_id,
    clientSpecificId: participant.custom_participant_id,
    joinedAt: iso(peer.joined_at),
    ...(peer.left_at !== null ? { leftAt: iso(peer.left_at) } : {}),
  };
}

/** `meeting.started`: the first peer of a session joined. */
export function meetingStartedBody(rows: PeerEventRows): Record<string, unknown> {
  return { event: 'meeting.started', meeting: meetingObject(rows) };
}

/** `meeting.ended`: the last peer of a session left (peer-report has no host-ended meetings). */
export function meetingEndedBody(rows: PeerEventRows): Record<string, unknown> {
  return { event: 'meeting.ended', meeting: meetingObject(rows), reason: 'ALL_PARTICIPANTS_LEFT' };
}

/** `meeting.participantJoined` / `meeting.participantLeft`. */
export function participantBody(
  event: 'meeting.participantJoined' | 'meeting.participantLeft',
  rows: PeerEventRows,
): Record<string, unknown> {
  return { event, meeting: meetingObject(rows), participant: participantObject(rows) };
}

/** Where a peer's report is read: a path on the API host, absolute when the public URL is configured. */
export function peerReportLink(
  rows: Pick<PeerEventRows, 'app' | 'peer'>,
  publicUrl: string | undefined,
): string {
  const path = `/client/v4/accounts/${rows.peer.account_id}/realtime/kit/${rows.app.id}/sessions/peer-report/${rows.peer.id}`;
  return publicUrl ? `${publicUrl}${path}` : path;
}

/** A peer's quality as `peer.qualityReport` carries it. */
export interface PeerQualityDescription {
  /** The report's `quality_stats` summary. */
  summary: Record<string, unknown>;
  /** The diagnosis verdict (`good`, `fair`, `poor`, `bad`). */
  verdict: string;
  /** The diagnosis' one-sentence summary. */
  diagnosisSummary: string;
  /** The diagnosis' top issues (most important first). */
  issues: readonly Record<string, unknown>[];
  /** How many issues the diagnosis found (the report lists them). */
  issuesTotal: number;
}

/** `peer.qualityReport`: a finished peer's final report is ready. */
export function qualityReportBody(
  rows: PeerEventRows,
  quality: PeerQualityDescription,
  reportUrl: string,
): Record<string, unknown> {
  return {
    event: 'peer.qualityReport',
    meeting: meetingObject(rows),
    participant: participantObject(rows),
    quality: {
      summary: quality.summary,
      verdict: quality.verdict,
      diagnosisSummary: quality.diagnosisSummary,
      issues: quality.issues,
      issuesTotal: quality.issuesTotal,
    },
    reportUrl,
  };
}

/** A live issue as `peer.qualityAlert` carries it. */
export interface AlertDescription {
  kind: string;
  severity: string;
  /** When the issue began (epoch ms, the client's clock). */
  since: number;
  durationMs: number;
  /** What found it (`threshold@1`, or the diagnosis engine's id). */
  detector: string;
  detail: Record<string, unknown>;
}

/** `peer.qualityAlert`: a live peer has had an issue for the configured time. */
export function qualityAlertBody(
  rows: PeerEventRows,
  alert: AlertDescription,
  reportUrl: string,
): Record<string, unknown> {
  return {
    event: 'peer.qualityAlert',
    meeting: meetingObject(rows),
    participant: participantObject(rows),
    alert: {
      kind: alert.kind,
      severity: alert.severity,
      since: iso(alert.since),
      durationSeconds: Math.round(alert.durationMs / 100) / 10,
      detector: alert.detector,
      ...alert.detail,
    },
    reportUrl,
  };
}

/**
 * What a real app backend does, through the official Cloudflare SDK pointed
 * at our server: create an app, a meeting and participants (their tokens go
 * to the collector), and read peer reports back.
 */
import Cloudflare from 'cloudflare';
import type { SessionGetParticipantDataFromPeerIDResponse } from 'cloudflare/resources/realtime-kit/sessions';

/** The part of `startTestServer()` these helpers need. */
export interface ServerAccess {
  baseURL: string;
  token: string;
  accountId: string;
}

export type ReportParticipant = NonNullable<
  NonNullable<SessionGetParticipantDataFromPeerIDResponse['data']>['participant']
>;

export interface Meeting {
  cf: Cloudflare;
  accountId: string;
  appId: string;
  meetingId: string;
  participants: { id: string; token: string; customId: string }[];
}

/** Creates an app, a meeting and `count` participants with the `group_call_host` preset. */
export async function createMeeting(
  server: ServerAccess,
  count: number,
  label: string,
): Promise<Meeting> {
  const cf = new Cloudflare({ apiToken: server.token, baseURL: server.baseURL, maxRetries: 0 });
  const account_id = server.accountId;
  const app = await cf.realtimeKit.apps.post({ account_id, name: `browser-${label}` });
  const appId = app.data?.app?.id;
  if (!appId) throw new Error(`apps.post returned no app id: ${JSON.stringify(app)}`);
  const meeting = await cf.realtimeKit.meetings.create(appId, {
    account_id,
    title: `browser test: ${label}`,
  });
  const meetingId = meeting.data?.id;
  if (!meetingId) throw new Error(`meetings.create returned no id: ${JSON.stringify(meeting)}`);
  const participants = [];
  for (let i = 0; i < count; i++) {
    const customId = `${label}-peer-${i}`;
    const p = await cf.realtimeKit.meetings.addParticipant(meetingId, {
      account_id,
      app_id: appId,
      name: `Peer ${i}`,
      preset_name: 'group_call_host',
      custom_participant_id: customId,
    });
    if (!p.data?.token) throw new Error(`addParticipant returned no token: ${JSON.stringify(p)}`);
    participants.push({ id: p.data.id, token: p.data.token, customId });
  }
  return { cf, accountId: account_id, appId, meetingId, participants };
}

/** The peer report of `peerId` (with peer events), read through the SDK. */
export async function peerReport(m: Meeting, peerId: string): Promise<ReportParticipant> {
  const res = await m.cf.realtimeKit.sessions.getParticipantDataFromPeerID(peerId, {
    account_id: m.accountId,
    app_id: m.appId,
    include_peer_events: true,
  });
  const participant = res.data?.participant;
  if (!participant)
    throw new Error(
      `no participant in the peer report of ${peerId}: ${JSON.stringify(res).slice(0, 500)}`,
    );
  return participant;
}

/** Polls the report until `ready(report)` holds (or throws after `timeoutMs` with the last report). */
export async function waitForReport(
  m: Meeting,
  peerId: string,
  ready: (r: ReportParticipant) => boolean,
  timeoutMs = 30_000,
): Promise<ReportParticipant> {
  const deadline = Date.now() + timeoutMs;
  let last: ReportParticipant | undefined;
  for (;;) {
    last = await peerReport(m, peerId);
    if (ready(last)) return last;
    if (Date.now() > deadline)
      throw new Error(
        `peer report of ${peerId} not ready after ${timeoutMs} ms: ${JSON.stringify(last).slice(0, 2000)}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Whether the report's peer events include `PEER_LEAVING`. */
export function hasLeft(r: ReportParticipant): boolean {
  return (r.peer_events ?? []).some((e) => e.event_name === 'PEER_LEAVING');
}

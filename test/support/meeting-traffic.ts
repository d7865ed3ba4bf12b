/**
 * Meetings with peers that join and leave through the real APIs (RealtimeKit
 * API for the meeting and participants, ingest API for the peers), for tests
 * of what joins and leaves cause (webhook events).
 */
import { postJson } from './post-json.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

/** A participant that can join. */
export interface TrafficParticipant {
  id: string;
  token: string;
}

/** Creates a meeting with `n` participants; returns their ids and tokens. */
export async function meetingWithParticipants(
  server: { url: string; token: string; accountId: string; appId: string },
  n: number,
  title = 'webhook test call',
): Promise<{ meetingId: string; participants: TrafficParticipant[] }> {
  const base = `${server.url}/client/v4/accounts/${server.accountId}/realtime/kit/${server.appId}`;
  const meeting = await postJson(`${base}/meetings`, server.token, { title });
  const participants: TrafficParticipant[] = [];
  for (let i = 0; i < n; i++) {
    const p = await postJson(`${base}/meetings/${meeting.id}/participants`, server.token, {
      custom_participant_id: `user-${i + 1}`,
      preset_name: 'group_call_participant',
      name: `User ${i + 1}`,
    });
    participants.push({ id: p.id, token: p.token });
  }
  return { meetingId: meeting.id, participants };
}

/** Joins a participant through the ingest API; returns the peer id. */
export async function joinPeer(url: string, p: TrafficParticipant): Promise<string> {
  return (await postJson(`${url}/ingest/v1/join`, p.token, {})).peer_id;
}

/** Leaves a peer through the ingest API. */
export async function leavePeer(url: string, p: TrafficParticipant, peerId: string): Promise<void> {
  await postJson(`${url}/ingest/v1/peers/${peerId}/leave`, p.token, { reason: 'left' });
}

/** Sends one telemetry batch. */
export async function sendBatch(
  url: string,
  p: TrafficParticipant,
  peerId: string,
  batch: TelemetryBatch,
): Promise<void> {
  await postJson(`${url}/ingest/v1/peers/${peerId}/batches`, p.token, batch);
}

/** One meeting whose `n` peers join one after another, then leave one after another: 2n + 2 events. */
export async function runMeeting(
  server: { url: string; token: string; accountId: string; appId: string },
  n: number,
  title?: string,
): Promise<string[]> {
  const { participants } = await meetingWithParticipants(server, n, title);
  const peers: string[] = [];
  for (const p of participants) peers.push(await joinPeer(server.url, p));
  for (let i = 0; i < n; i++) await leavePeer(server.url, participants[i], peers[i]);
  return peers;
}

/** Plain HTTP calls to a test server (any status, headers kept), and a meeting participant to ingest with. */
import { randomUUID } from 'node:crypto';

/** An answer as it came. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

/** Sends `body` (JSON-encoded unless a string) with a bearer token; never throws on a status. */
export async function call(
  base: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  contentType = 'application/json',
): Promise<RawAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A meeting with one participant, created through the account API. */
export async function newParticipant(
  base: string,
  adminToken: string,
  accountId: string,
  appId: string,
): Promise<{ meetingId: string; participantId: string; token: string }> {
  const prefix = `/client/v4/accounts/${accountId}/realtime/kit/${appId}`;
  const m = await call(base, 'POST', `${prefix}/meetings`, adminToken, { title: 'hardening' });
  if (m.status !== 201) throw new Error(`meeting: ${m.status} ${m.text}`);
  const p = await call(
    base,
    'POST',
    `${prefix}/meetings/${m.json.data.id}/participants`,
    adminToken,
    { custom_participant_id: randomUUID(), preset_name: 'host' },
  );
  if (p.status !== 201) throw new Error(`participant: ${p.status} ${p.text}`);
  return { meetingId: m.json.data.id, participantId: p.json.data.id, token: p.json.data.token };
}

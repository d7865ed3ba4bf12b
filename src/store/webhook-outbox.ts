/**
 * The webhook outbox: events are written as `webhook_deliveries` rows (one
 * per subscribed, enabled webhook) inside the transaction of the change that
 * causes them, so an event exists exactly when its change committed. The
 * delivery loop (webhook-dispatcher.ts) sends them afterwards.
 *
 * The body is serialised once here (compact JSON) and sent byte for byte on
 * every attempt; the event id (`rtk-uuid`) is made here too, so retries and
 * the copies for several webhooks carry the same id.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { QualityAggregates } from '../analytics/quality-aggregates.ts';
import type { DiagnosisReport } from '../analytics/diagnosis/engine.ts';
import type { WebhookEventName } from '../webhooks/webhook-events.ts';
import {
  meetingEndedBody,
  meetingStartedBody,
  participantBody,
  peerReportLink,
  qualityAlertBody,
  qualityReportBody,
  type AlertDescription,
  type PeerEventRows,
} from '../webhooks/event-payloads.ts';
import { describePeerForWebhook } from '../webhooks/peer-quality-description.ts';

type Tx = Transaction<Database> | Kysely<Database>;

/** Process-wide settings of event bodies (set once at server start). */
const settings: { publicUrl?: string } = {};

/** Sets the public base URL used in report links (`PEER_REPORT_PUBLIC_URL`). */
export function setWebhookPublicUrl(publicUrl: string | undefined): void {
  settings.publicUrl = publicUrl;
}

const listeners = new Set<() => void>();

/** Calls `listener` after this process recorded events (the delivery loop wakes up early). */
export function onEventsRecorded(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The enabled webhooks of `appId` and the events each subscribes to. */
async function subscriptions(
  tx: Tx,
  appId: string,
): Promise<{ id: string; events: Set<string> }[]> {
  const rows = await tx
    .selectFrom('webhooks')
    .select(['id', 'events'])
    .where('app_id', '=', appId)
    .where('enabled', '=', 1)
    .execute();
  return rows.map((r) => ({ id: r.id, events: new Set(JSON.parse(r.events) as string[]) }));
}

/**
 * Records `events` (built lazily, in order) for the subscribed webhooks of
 * `appId`; returns the delivery rows written. Nothing is read or built when no
 * webhook of the app wants any of them.
 */
async function record(
  tx: Tx,
  target: { accountId: string; appId: string },
  wanted: readonly WebhookEventName[],
  build: (event: WebhookEventName) => Promise<Record<string, unknown>>,
  known?: { id: string; events: Set<string> }[],
): Promise<number> {
  if (wanted.length === 0) return 0;
  const subs = known ?? (await subscriptions(tx, target.appId));
  const now = Date.now();
  const rows = [];
  for (const event of wanted) {
    const hooks = subs.filter((s) => s.events.has(event));
    if (hooks.length === 0) continue;
    const body = JSON.stringify(await build(event));
    const eventId = randomUUID();
    for (const h of hooks) {
      rows.push({
        webhook_id: h.id,
        account_id: target.accountId,
        app_id: target.appId,
        event_id: eventId,
        event,
        body,
        status: 'pending',
        attempts: 0,
        created_at: now,
      });
    }
  }
  if (rows.length === 0) return 0;
  await tx.insertInto('webhook_deliveries').values(rows).execute();
  // After the caller's commit, most likely: the loop polls anyway, this only shortens the wait.
  setTimeout(() => listeners.forEach((l) => l()), 5).unref();
  return rows.length;
}

/** Reads the rows an event about `peerId` is built from. */
async function peerEventRows(
  tx: Tx,
  peerId: string,
): Promise<(PeerEventRows & { source: string }) | undefined> {
  const r = await tx
    .selectFrom('peers as p')
    .innerJoin('sessions as s', 's.id', 'p.session_id')
    .innerJoin('meetings as m', 'm.id', 'p.meeting_id')
    .innerJoin('apps as a', 'a.id', 'p.app_id')
    .innerJoin('participants as pa', 'pa.id', 'p.participant_id')
    .select([
      'p.id as peer_id',
      'p.account_id',
      'p.joined_at',
      'p.left_at',
      'p.source',
      's.id as session_id',
      's.started_at',
      's.ended_at',
      's.status as session_status',
      'm.id as meeting_id',
      'm.title',
      'm.created_at as meeting_created_at',
      'a.id as app_id',
      'a.name as app_name',
      'pa.name as participant_name',
      'pa.custom_participant_id',
    ])
    .where('p.id', '=', peerId)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    source: r.source,
    app: { id: r.app_id, name: r.app_name },
    meeting: { id: r.meeting_id, title: r.title, created_at: Number(r.meeting_created_at) },
    session: {
      id: r.session_id,
      started_at: Number(r.started_at),
      ended_at: r.ended_at === null ? null : Number(r.ended_at),
      status: r.session_status,
    },
    participant: { name: r.participant_name, custom_participant_id: r.custom_participant_id },
    peer: {
      id: r.peer_id,
      account_id: r.account_id,
      joined_at: Number(r.joined_at),
      left_at: r.left_at === null ? null : Number(r.left_at),
    },
  };
}

/**
 * Imported dumps replay calls that are over: they produce no webhook events
 * (a receiver would take them for meetings happening now).
 */
const isLive = (rows: { source: string }) => rows.source === 'live';

/**
 * Records the events of a join (`meeting.started` first when it opened the
 * session, then `meeting.participantJoined`). Called by `joinPeer` in its transaction.
 */
export async function recordPeerJoin(
  tx: Tx,
  join: { accountId: string; appId: string; peerId: string; startsSession: boolean },
): Promise<void> {
  const wanted: WebhookEventName[] = join.startsSession
    ? ['meeting.started', 'meeting.participantJoined']
    : ['meeting.participantJoined'];
  const subs = await subscriptions(tx, join.appId);
  if (!subs.some((s) => wanted.some((e) => s.events.has(e)))) return;
  const rows = await peerEventRows(tx, join.peerId);
  if (!rows || !isLive(rows)) return;
  await record(
    tx,
    join,
    wanted,
    async (event) =>
      event === 'meeting.started'
        ? meetingStartedBody(rows)
        : participantBody('meeting.participantJoined', rows),
    subs,
  );
}

/**
 * Records the events of a leave or timeout (`meeting.participantLeft`, then
 * `meeting.ended` when it was the session's last peer). Called by `closePeer`
 * in its transaction, after the session's status was updated.
 */
export async function recordPeerLeave(tx: Tx, peerId: string): Promise<void> {
  const rows = await peerEventRows(tx, peerId);
  if (!rows || !isLive(rows)) return;
  const wanted: WebhookEventName[] =
    rows.session.status === 'ENDED'
      ? ['meeting.participantLeft', 'meeting.ended']
      : ['meeting.participantLeft'];
  await record(
    tx,
    { accountId: rows.peer.account_id, appId: rows.app.id },
    wanted,
    async (event) =>
      event === 'meeting.ended'
        ? meetingEndedBody(rows)
        : participantBody('meeting.participantLeft', rows),
  );
}

/**
 * Records `peer.qualityReport` for a finished peer whose final aggregates and
 * diagnosis are being stored. Called by compaction in the transaction that
 * stores them (store/finished-peer-quality.ts).
 */
export async function recordPeerQualityReport(
  tx: Tx,
  peerId: string,
  aggregates: QualityAggregates,
  diagnosis: DiagnosisReport,
): Promise<void> {
  const rows = await peerEventRows(tx, peerId);
  if (!rows || !isLive(rows)) return;
  await record(
    tx,
    { accountId: rows.peer.account_id, appId: rows.app.id },
    ['peer.qualityReport'],
    async () =>
      qualityReportBody(
        rows,
        describePeerForWebhook({ aggregates, diagnosis }),
        peerReportLink(rows, settings.publicUrl),
      ),
  );
}

/** Records `peer.qualityAlert` for a live peer (the caller decided it fires). Returns whether any webhook wanted it. */
export async function recordPeerQualityAlert(
  tx: Tx,
  peerId: string,
  alert: AlertDescription,
): Promise<boolean> {
  const rows = await peerEventRows(tx, peerId);
  if (!rows || !isLive(rows)) return false;
  const n = await record(
    tx,
    { accountId: rows.peer.account_id, appId: rows.app.id },
    ['peer.qualityAlert'],
    async () => qualityAlertBody(rows, alert, peerReportLink(rows, settings.publicUrl)),
  );
  return n > 0;
}

/**
 * Peers and sessions: a join creates a peer inside the meeting's live session
 * (creating the session when it is the first peer); a leave or a timeout
 * closes the peer, and the session ends when its last peer is gone.
 *
 * Every function runs inside a transaction given by the caller. On PostgreSQL
 * the meeting row (joins) and the session row (leaves) are locked first, so
 * concurrent server processes serialise their membership changes per meeting.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, PeersTable } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { ParticipantRecord } from './participants.ts';
import { yieldToEventLoop } from '../util/yield-to-event-loop.ts';
import { recordPeerJoin, recordPeerLeave } from './webhook-outbox.ts';
import { lockRows } from './row-locks.ts';

type Tx = Transaction<Database> | Kysely<Database>;

/** What a join produces. */
export interface JoinedPeer {
  peerId: string;
  sessionId: string;
  meetingId: string;
  participantId: string;
  joinedAt: number;
}

/** Creates a peer for `participant` in the meeting's live session. */
export async function joinPeer(
  tx: Tx,
  dialect: StoreDialect,
  participant: ParticipantRecord,
  fields: Pick<PeersTable, 'client' | 'ip_info' | 'precall' | 'source'> & {
    joinedAt: number;
    previousPeerId?: string;
  },
): Promise<JoinedPeer> {
  const now = Date.now();
  let lockMeeting = tx.selectFrom('meetings').select('id').where('id', '=', participant.meeting_id);
  lockMeeting = lockRows(dialect, lockMeeting);
  await lockMeeting.executeTakeFirst();

  // Lock the live session too: a concurrent close of its last peer (another
  // process) either ends it first, and PostgreSQL's re-check of the WHERE
  // clause after the lock wait skips it so a new session starts, or waits for
  // this join and then sees the new live peer.
  let findSession = tx
    .selectFrom('sessions')
    .select(['id', 'max_concurrent_participants'])
    .where('meeting_id', '=', participant.meeting_id)
    .where('status', '=', 'LIVE')
    .orderBy('created_at', 'desc');
  findSession = lockRows(dialect, findSession);
  let session = await findSession.executeTakeFirst();
  const startsSession = !session;
  if (!session && fields.previousPeerId)
    session = await reopenSessionOfRejoin(tx, participant, fields.previousPeerId, now);
  if (!session) {
    session = { id: randomUUID(), max_concurrent_participants: 0 };
    await tx
      .insertInto('sessions')
      .values({
        id: session.id,
        account_id: participant.account_id,
        app_id: participant.app_id,
        meeting_id: participant.meeting_id,
        status: 'LIVE',
        started_at: fields.joinedAt,
        ended_at: null,
        live_participants: 0,
        max_concurrent_participants: 0,
        minutes_consumed: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const peerId = randomUUID();
  await tx
    .insertInto('peers')
    .values({
      id: peerId,
      account_id: participant.account_id,
      app_id: participant.app_id,
      meeting_id: participant.meeting_id,
      session_id: session.id,
      participant_id: participant.id,
      status: 'live',
      joined_at: fields.joinedAt,
      left_at: null,
      last_seen_at: now,
      leave_reason: null,
      client: fields.client,
      ip_info: fields.ip_info,
      precall: fields.precall,
      source: fields.source,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await refreshSessionCounts(tx, session.id, now);
  await recordPeerJoin(tx, {
    accountId: participant.account_id,
    appId: participant.app_id,
    peerId,
    startsSession,
  });
  return {
    peerId,
    sessionId: session.id,
    meetingId: participant.meeting_id,
    participantId: participant.id,
    joinedAt: fields.joinedAt,
  };
}

/** How long after its session ended a rejoin still continues that session. */
export const REJOIN_REOPENS_WITHIN_MS = 10 * 60_000;

/**
 * The session a rejoin continues when the meeting has no live session: the
 * previous peer's (same participant), reopened, when it is the meeting's
 * newest and ended less than {@link REJOIN_REOPENS_WITHIN_MS} ago. Every peer
 * of a call cut off for longer than the timeout (the same failing network, a
 * one-person session) then comes back into the session it was in, instead of
 * splitting one call into two sessions. Runs under the meeting's lock.
 */
async function reopenSessionOfRejoin(
  tx: Tx,
  participant: ParticipantRecord,
  previousPeerId: string,
  now: number,
): Promise<{ id: string; max_concurrent_participants: number } | undefined> {
  const previous = await tx
    .selectFrom('peers')
    .innerJoin('sessions', 'sessions.id', 'peers.session_id')
    .select([
      'sessions.id as id',
      'sessions.status as status',
      'sessions.ended_at as ended_at',
      'sessions.created_at as created_at',
      'sessions.max_concurrent_participants as max_concurrent_participants',
    ])
    .where('peers.id', '=', previousPeerId)
    .where('peers.participant_id', '=', participant.id)
    .where('sessions.meeting_id', '=', participant.meeting_id)
    .executeTakeFirst();
  if (
    !previous ||
    previous.status !== 'ENDED' ||
    previous.ended_at === null ||
    Number(previous.ended_at) < now - REJOIN_REOPENS_WITHIN_MS
  )
    return undefined;
  const newer = await tx
    .selectFrom('sessions')
    .select('id')
    .where('meeting_id', '=', participant.meeting_id)
    .where('created_at', '>', previous.created_at)
    .executeTakeFirst();
  if (newer) return undefined;
  await tx
    .updateTable('sessions')
    .set({ status: 'LIVE', ended_at: null, updated_at: now })
    .where('id', '=', previous.id)
    .execute();
  return { id: previous.id, max_concurrent_participants: previous.max_concurrent_participants };
}

/**
 * Copies the stream baselines of `fromPeerId` to `toPeerId` when both belong
 * to the same participant (a rejoin of the same page after a network cut).
 * Returns the number of streams inherited.
 */
export async function inheritStreamState(
  tx: Tx,
  participantId: string,
  fromPeerId: string,
  toPeerId: string,
): Promise<number> {
  const from = await tx
    .selectFrom('peers')
    .select('id')
    .where('id', '=', fromPeerId)
    .where('participant_id', '=', participantId)
    .executeTakeFirst();
  if (!from) return 0;
  const rows = await tx
    .selectFrom('stream_state')
    .selectAll()
    .where('peer_id', '=', fromPeerId)
    .execute();
  if (rows.length)
    await tx
      .insertInto('stream_state')
      .values(rows.map((r) => ({ ...r, peer_id: toPeerId })))
      .execute();
  return rows.length;
}

/** Recomputes live and max-concurrent participant counts of a session. */
export async function refreshSessionCounts(
  tx: Tx,
  sessionId: string,
  now: number,
): Promise<number> {
  const live = Number(
    (
      await tx
        .selectFrom('peers')
        .select((eb) => eb.fn.count('participant_id').distinct().as('n'))
        .where('session_id', '=', sessionId)
        .where('status', '=', 'live')
        .executeTakeFirstOrThrow()
    ).n,
  );
  await tx
    .updateTable('sessions')
    .set(() => ({
      live_participants: live,
      // Portable max(column, value): SQLite's scalar max() is GREATEST() on PostgreSQL.
      max_concurrent_participants: sql<number>`CASE WHEN max_concurrent_participants < CAST(${live} AS INTEGER) THEN CAST(${live} AS INTEGER) ELSE max_concurrent_participants END`,
      updated_at: now,
    }))
    .where('id', '=', sessionId)
    .execute();
  return live;
}

/**
 * Closes a live peer at `at` (no-op when it is already closed) and ends its
 * session when no live peer remains. Returns whether the peer was closed now.
 */
export async function closePeer(
  tx: Tx,
  dialect: StoreDialect,
  peerId: string,
  at: number,
  reason: string,
): Promise<boolean> {
  let q = tx
    .selectFrom('peers')
    .select(['id', 'session_id', 'status', 'joined_at', 'last_seen_at'])
    .where('id', '=', peerId);
  q = lockRows(dialect, q);
  const peer = await q.executeTakeFirst();
  if (!peer || peer.status !== 'live') return false;
  let lockSession = tx.selectFrom('sessions').select('id').where('id', '=', peer.session_id);
  lockSession = lockRows(dialect, lockSession);
  await lockSession.executeTakeFirst();
  // The peer left no earlier than its last stored sample (a client clock ahead of the server's, a leave
  // dated before the last batch): its identity times enclose its telemetry.
  const lastSample = await tx
    .selectFrom('stream_state')
    .select((eb) => eb.fn.max('last_ts').as('m'))
    .where('peer_id', '=', peerId)
    .executeTakeFirst();
  const lastTs =
    lastSample?.m === null || lastSample?.m === undefined
      ? Number.NEGATIVE_INFINITY
      : Number(lastSample.m);
  const now = Date.now();
  const leftAt = Math.max(at, peer.joined_at, Math.min(lastTs, now + 60_000));
  await tx
    .updateTable('peers')
    .set({ status: 'left', left_at: leftAt, leave_reason: reason, updated_at: now })
    .where('id', '=', peerId)
    .execute();
  const minutes = (leftAt - peer.joined_at) / 60000;
  await tx
    .updateTable('sessions')
    .set((eb) => ({ minutes_consumed: eb('minutes_consumed', '+', minutes), updated_at: now }))
    .where('id', '=', peer.session_id)
    .execute();
  const live = await refreshSessionCounts(tx, peer.session_id, now);
  if (live === 0) {
    const stillLivePeers = await tx
      .selectFrom('peers')
      .select('id')
      .where('session_id', '=', peer.session_id)
      .where('status', '=', 'live')
      .executeTakeFirst();
    if (!stillLivePeers) {
      const end = await tx
        .selectFrom('peers')
        .select((eb) => eb.fn.max('left_at').as('m'))
        .where('session_id', '=', peer.session_id)
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('sessions')
        .set({ status: 'ENDED', ended_at: Number(end.m ?? leftAt), updated_at: now })
        .where('id', '=', peer.session_id)
        .execute();
    }
  }
  await recordPeerLeave(tx, peerId);
  return true;
}

/**
 * Closes every live peer not heard from since `now - timeoutMs`, at its
 * last-seen time. Silence is counted from the later of the peer's last contact
 * and `resumedAt`, when the service came back after being down (see
 * store/service-liveness.ts): no peer is closed within `timeoutMs` of it.
 */
export async function closeTimedOutPeers(
  db: Kysely<Database>,
  dialect: StoreDialect,
  now: number,
  timeoutMs: number,
  resumedAt = 0,
): Promise<string[]> {
  if (resumedAt >= now - timeoutMs) return [];
  const stale = await db
    .selectFrom('peers')
    .select(['id', 'last_seen_at'])
    .where('status', '=', 'live')
    .where('last_seen_at', '<', now - timeoutMs)
    .limit(1000)
    .execute();
  const closed: string[] = [];
  for (const p of stale) {
    const done = await db.transaction().execute(async (tx) => {
      // Re-check under the lock: a batch may have arrived since the scan.
      let q = tx.selectFrom('peers').select(['status', 'last_seen_at']).where('id', '=', p.id);
      q = lockRows(dialect, q);
      const cur = await q.executeTakeFirst();
      if (!cur || cur.status !== 'live' || cur.last_seen_at >= now - timeoutMs) return false;
      return closePeer(tx, dialect, p.id, cur.last_seen_at, 'timeout');
    });
    if (done) closed.push(p.id);
    // One peer per transaction, and requests in between: a sweep may close hundreds of peers.
    await yieldToEventLoop();
  }
  return closed;
}

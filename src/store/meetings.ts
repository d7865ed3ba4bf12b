/** Meetings: created through the RealtimeKit API, a session lives inside one. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, MeetingsTable } from './schema.ts';
import { containsIgnoringCase } from './like-pattern.ts';

/** Creates a meeting; `config` holds every other create field, echoed back as sent. */
export async function createMeeting(
  db: Kysely<Database>,
  input: {
    accountId: string;
    appId: string;
    title?: string | null;
    status?: string;
    config: Record<string, unknown>;
  },
): Promise<MeetingsTable> {
  const now = Date.now();
  const row: MeetingsTable = {
    id: randomUUID(),
    account_id: input.accountId,
    app_id: input.appId,
    title: input.title ?? null,
    status: input.status ?? 'ACTIVE',
    config: JSON.stringify(input.config),
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('meetings').values(row).execute();
  return row;
}

/** A meeting of the app, or undefined. */
export async function findMeeting(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  meetingId: string,
): Promise<MeetingsTable | undefined> {
  return db
    .selectFrom('meetings')
    .selectAll()
    .where('id', '=', meetingId)
    .where('app_id', '=', appId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** Updates title/status/config of a meeting (PATCH semantics when `replace` is false). */
export async function updateMeeting(
  db: Kysely<Database>,
  meeting: MeetingsTable,
  patch: { title?: string | null; status?: string; config: Record<string, unknown> },
  replace: boolean,
): Promise<MeetingsTable> {
  const config = replace ? patch.config : { ...JSON.parse(meeting.config), ...patch.config };
  const next: MeetingsTable = {
    ...meeting,
    title: patch.title !== undefined ? patch.title : replace ? null : meeting.title,
    status: patch.status ?? (replace ? 'ACTIVE' : meeting.status),
    config: JSON.stringify(config),
    updated_at: Date.now(),
  };
  await db
    .updateTable('meetings')
    .set({
      title: next.title,
      status: next.status,
      config: next.config,
      updated_at: next.updated_at,
    })
    .where('id', '=', meeting.id)
    .execute();
  return next;
}

/** A page of an app's meetings. */
export async function listMeetings(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  opts: {
    offset: number;
    limit: number;
    search?: string;
    status?: string;
    startTime?: number;
    endTime?: number;
  },
): Promise<{ rows: MeetingsTable[]; total: number }> {
  let q = db.selectFrom('meetings').where('account_id', '=', accountId).where('app_id', '=', appId);
  if (opts.search) {
    const term = opts.search;
    q = q.where((eb) => eb.or([containsIgnoringCase('title', term), eb('id', '=', term)]));
  }
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.startTime !== undefined) q = q.where('created_at', '>=', opts.startTime);
  if (opts.endTime !== undefined) q = q.where('created_at', '<=', opts.endTime);
  const total = Number(
    (await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
  );
  const rows = await q
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(opts.offset)
    .limit(opts.limit)
    .execute();
  return { rows, total };
}

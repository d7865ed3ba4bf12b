/**
 * Read queries of the sessions resource: an app's sessions (filtered, sorted,
 * paged) and a session's peers. Ordering always ends with the id as a
 * tie-break, so pages are stable: no duplicates and no gaps between pages of
 * an unchanged result.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, PeersTable, SessionsTable } from './schema.ts';
import { likePattern } from './like-pattern.ts';
import type { StoreDialect } from './store-dialect.ts';

import { DAY_MS } from './migrations/034-session-counts.ts';

/** A session row with its meeting's title. */
export type SessionRow = SessionsTable & { meeting_title: string | null };

/** Filters of the sessions listing. */
export interface SessionListQuery {
  accountId: string;
  appId: string;
  meetingId?: string;
  /** Sessions started at or after (epoch ms). */
  startTime?: number;
  /** Sessions started at or before (epoch ms). */
  endTime?: number;
  status?: 'LIVE' | 'ENDED';
  /** Meeting title (substring, case-insensitive), meeting id or session id (exact). */
  search?: string;
  sortBy: 'createdAt' | 'minutesConsumed';
  sortOrder: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** A page of an app's sessions and the total count of the filtered set. */
export async function listSessions(
  db: Kysely<Database>,
  q: SessionListQuery,
  dialect: StoreDialect = 'sqlite',
): Promise<{ rows: SessionRow[]; total: number }> {
  let base = db
    .selectFrom('sessions')
    .where('sessions.account_id', '=', q.accountId)
    .where('sessions.app_id', '=', q.appId);
  if (q.meetingId) base = base.where('sessions.meeting_id', '=', q.meetingId);
  if (q.status) base = base.where('sessions.status', '=', q.status);
  let meetingIds: string[] | undefined;
  if (q.search) {
    const term = q.search;
    // Meeting titles first (one indexed scan of the app's meetings), then the
    // sessions of those meetings through the (meeting_id, status) index.
    const titled = await db
      .selectFrom('meetings')
      .select('id')
      .where('account_id', '=', q.accountId)
      .where('app_id', '=', q.appId)
      .where(sql<string>`lower(title)`, 'like', sql<string>`${likePattern(term)} escape '\\'`)
      .limit(10_000)
      .execute();
    meetingIds = [...titled.map((m) => m.id), term];
  }
  const ranged = q.startTime !== undefined || q.endTime !== undefined;
  const total = countedByStatus(q)
    ? await storedCount(db, q)
    : !ranged && !(q.meetingId && q.search)
      ? await meetingCount(db, q, meetingIds ?? [q.meetingId!])
      : undefined;
  if (q.startTime !== undefined) base = base.where('sessions.started_at', '>=', q.startTime);
  if (q.endTime !== undefined) base = base.where('sessions.started_at', '<=', q.endTime);
  if (q.search) {
    const term = q.search;
    const ids = meetingIds!;
    base = base.where((eb) =>
      eb.or([eb('sessions.id', '=', term), eb('sessions.meeting_id', 'in', ids)]),
    );
  }
  const sortColumn =
    q.sortBy === 'minutesConsumed' ? 'sessions.minutes_consumed' : 'sessions.created_at';
  const byCreationInRange =
    ranged && q.sortBy === 'createdAt' && !q.search && !q.meetingId && total !== undefined;
  const walked = byCreationInRange
    ? await rangePageByCreation(db, q, total)
    : (q.search || ranged) && total !== undefined
      ? await walkedPage(db, q, meetingIds, total)
      : undefined;
  const rows =
    walked ??
    ((await base
      .leftJoin('meetings', 'meetings.id', 'sessions.meeting_id')
      .selectAll('sessions')
      .select('meetings.title as meeting_title')
      .orderBy(sortColumn, q.sortOrder)
      .orderBy('sessions.id', q.sortOrder)
      .offset(q.offset)
      .limit(q.limit)
      .execute()) as SessionRow[]);
  return {
    rows,
    total:
      total ??
      Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  };
}

/**
 * The page of a search or time range matching many sessions, read by walking the sort order's tenant index
 * and keeping the matching rows, or undefined when that is not the cheaper way or did not fill the page.
 *
 * The meeting and start-time indexes read every match (with its table row, for the sort key) and sort them:
 * linear in the matches. Walking the sort order instead reads about (offset + limit) × all ÷ matching rows when
 * the matches are spread over the order, a constant for a given share of the app. They may not be spread (last
 * week's sessions, oldest first, come after all the others), so the walk is bounded to 4× that many rows: when
 * they hold fewer matches than the page needs, the caller reads the matches from their index as before. The
 * bound is inside a subquery with its own LIMIT, which SQLite and PostgreSQL run in index order and do not
 * flatten (PostgreSQL at 1,000,000 sessions, a search matching 11 meetings: a bitmap scan of its 10,846 rows and
 * a sort, 77 ms in the backend, against 1.9 ms for the walk).
 */
async function walkedPage(
  db: Kysely<Database>,
  q: SessionListQuery,
  meetingIds: readonly string[] | undefined,
  total: number,
): Promise<SessionRow[] | undefined> {
  const all = await storedCount(db, {
    ...q,
    search: undefined,
    meetingId: undefined,
    startTime: undefined,
    endTime: undefined,
  });
  const wanted = q.offset + q.limit;
  const budget = Math.ceil((4 * wanted * all) / Math.max(total, 1));
  // Cheaper than reading every match only when the budget is below them.
  if (total === 0 || budget >= total) return undefined;
  const sortKey = q.sortBy === 'minutesConsumed' ? 'minutes_consumed' : 'created_at';
  let inOrder = db
    .selectFrom('sessions')
    .select(['id', 'meeting_id', 'started_at', 'created_at', 'minutes_consumed'])
    .where('account_id', '=', q.accountId)
    .where('app_id', '=', q.appId);
  if (q.status) inOrder = inOrder.where('status', '=', q.status);
  inOrder = inOrder.orderBy(sortKey, q.sortOrder).orderBy('id', q.sortOrder).limit(budget);
  let matching = db.selectFrom(inOrder.as('w')).select('w.id');
  if (q.startTime !== undefined) matching = matching.where('w.started_at', '>=', q.startTime);
  if (q.endTime !== undefined) matching = matching.where('w.started_at', '<=', q.endTime);
  if (q.search) {
    const term = q.search;
    const ids = meetingIds ?? [];
    matching = matching.where((eb) =>
      eb.or([eb('w.id', '=', term), eb('w.meeting_id', 'in', ids)]),
    );
  }
  const found = await matching
    .orderBy(`w.${sortKey}`, q.sortOrder)
    .orderBy('w.id', q.sortOrder)
    .limit(wanted)
    .execute();
  if (found.length < wanted) return undefined;
  return rowsInOrder(
    db,
    found.slice(q.offset).map((r) => r.id),
  );
}

/**
 * The page of a `started_at` range in creation order, from the creation-order index alone (migration 070: it
 * ends with `started_at`, so the range is tested on each entry without reading its row), and only the page's
 * rows read. Where the matches are at most half the app, the walk starts at their first creation time in the
 * sort order, read from the start-time index's range (its entries end with `created_at`): last week's sessions
 * oldest first no longer walk the year before them. So the work is at most about min(matches, the others)
 * index entries, never a table row per entry nor a sort.
 */
async function rangePageByCreation(
  db: Kysely<Database>,
  q: SessionListQuery,
  total: number,
): Promise<SessionRow[]> {
  if (total <= q.offset) return [];
  const all = await storedCount(db, { ...q, startTime: undefined, endTime: undefined });
  let from: number | undefined;
  if (2 * total <= all) {
    let bound = db
      .selectFrom('sessions')
      .where('account_id', '=', q.accountId)
      .where('app_id', '=', q.appId);
    if (q.status) bound = bound.where('status', '=', q.status);
    if (q.startTime !== undefined) bound = bound.where('started_at', '>=', q.startTime);
    if (q.endTime !== undefined) bound = bound.where('started_at', '<=', q.endTime);
    // `+created_at`: the bound is read from the start-time range (at most half the app); SQLite would rather
    // walk the creation index for min/max and test the range on each entry (the whole app before last week).
    const createdAt = sql<number>`+${sql.ref('created_at')}`;
    const row = await bound
      .select((eb) => (q.sortOrder === 'asc' ? eb.fn.min(createdAt) : eb.fn.max(createdAt)).as('b'))
      .executeTakeFirst();
    if (row?.b === null || row?.b === undefined) return [];
    from = Number(row.b);
  }
  // `+started_at`: the range must not pick the start-time index (that would read every match and sort them).
  const startedAt = sql<number>`+${sql.ref('started_at')}`;
  let page = db
    .selectFrom('sessions')
    .select('id')
    .where('account_id', '=', q.accountId)
    .where('app_id', '=', q.appId);
  if (q.status) page = page.where('status', '=', q.status);
  if (q.startTime !== undefined) page = page.where(startedAt, '>=', q.startTime);
  if (q.endTime !== undefined) page = page.where(startedAt, '<=', q.endTime);
  if (from !== undefined)
    page = page.where('created_at', q.sortOrder === 'asc' ? '>=' : '<=', from);
  const ids = await page
    .orderBy('created_at', q.sortOrder)
    .orderBy('id', q.sortOrder)
    .offset(q.offset)
    .limit(q.limit)
    .execute();
  return rowsInOrder(
    db,
    ids.map((r) => r.id),
  );
}

/** The sessions `pageIds` (with their meeting titles), in that order. */
async function rowsInOrder(db: Kysely<Database>, pageIds: string[]): Promise<SessionRow[]> {
  if (pageIds.length === 0) return [];
  const rows = (await db
    .selectFrom('sessions')
    .leftJoin('meetings', 'meetings.id', 'sessions.meeting_id')
    .selectAll('sessions')
    .select('meetings.title as meeting_title')
    .where('sessions.id', 'in', pageIds)
    .execute()) as SessionRow[];
  const at = new Map(pageIds.map((id, i) => [id, i]));
  return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
}

/**
 * The exact count of the app's sessions (of `q.status`) in `meetingIds` from `meeting_session_counts`
 * (migration 056's triggers keep it), plus, for a search, the session whose id is the term when its meeting is
 * not among them.
 */
async function meetingCount(
  db: Kysely<Database>,
  q: SessionListQuery,
  meetingIds: readonly string[],
): Promise<number> {
  let counts = db
    .selectFrom('meeting_session_counts')
    .select((eb) => eb.fn.sum<number | string | null>('n').as('n'))
    .where('account_id', '=', q.accountId)
    .where('app_id', '=', q.appId)
    .where('meeting_id', 'in', meetingIds);
  if (q.status) counts = counts.where('status', '=', q.status);
  let total = Number((await counts.executeTakeFirst())?.n ?? 0);
  if (q.search) {
    let byId = db
      .selectFrom('sessions')
      .select('meeting_id')
      .where('id', '=', q.search)
      .where('account_id', '=', q.accountId)
      .where('app_id', '=', q.appId);
    if (q.status) byId = byId.where('status', '=', q.status);
    const session = await byId.executeTakeFirst();
    if (session && !meetingIds.includes(session.meeting_id)) total += 1;
  }
  return total;
}

/** Whether the filtered set is counted in `session_counts` (no meeting or search filter). */
function countedByStatus(q: SessionListQuery): boolean {
  return !q.meetingId && !q.search;
}

/**
 * The exact count of the app's sessions (of `q.status`, started within the time
 * range) from `session_counts` (migration 034's triggers keep it per UTC day of
 * `started_at`): the days wholly inside the range are summed, the sessions of
 * its partial edge days counted from the index.
 */
async function storedCount(db: Kysely<Database>, q: SessionListQuery): Promise<number> {
  // Days wholly inside [startTime, endTime]: day d covers [d·DAY_MS, (d+1)·DAY_MS).
  const firstDay = q.startTime === undefined ? undefined : Math.ceil(q.startTime / DAY_MS);
  const lastDay = q.endTime === undefined ? undefined : Math.floor((q.endTime + 1) / DAY_MS) - 1;
  if (firstDay !== undefined && lastDay !== undefined && firstDay > lastDay)
    return countRows(db, q, q.startTime, q.endTime);
  const status = q.status ? sql` and status = ${q.status}` : sql``;
  const from = firstDay === undefined ? sql`` : sql` and day >= ${firstDay}`;
  const to = lastDay === undefined ? sql`` : sql` and day <= ${lastDay}`;
  const { rows } = await sql<{
    n: number | string | null;
  }>`select sum(n) as n from session_counts where account_id = ${q.accountId} and app_id = ${q.appId}${status}${from}${to}`.execute(
    db,
  );
  let total = Number(rows[0]?.n ?? 0);
  if (firstDay !== undefined && q.startTime! < firstDay * DAY_MS)
    total += await countRows(db, q, q.startTime, firstDay * DAY_MS - 1);
  if (lastDay !== undefined && q.endTime! >= (lastDay + 1) * DAY_MS)
    total += await countRows(db, q, (lastDay + 1) * DAY_MS, q.endTime);
  return total;
}

/** The app's sessions (of `q.status`) started within [from, to], counted from the index. */
async function countRows(
  db: Kysely<Database>,
  q: SessionListQuery,
  from: number | undefined,
  to: number | undefined,
): Promise<number> {
  let query = db
    .selectFrom('sessions')
    .where('account_id', '=', q.accountId)
    .where('app_id', '=', q.appId);
  if (q.status) query = query.where('status', '=', q.status);
  if (from !== undefined) query = query.where('started_at', '>=', from);
  if (to !== undefined) query = query.where('started_at', '<=', to);
  const row = await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One session of the app, with its meeting title. */
export async function findSession(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  sessionId: string,
): Promise<SessionRow | undefined> {
  const row = await db
    .selectFrom('sessions')
    .leftJoin('meetings', 'meetings.id', 'sessions.meeting_id')
    .selectAll('sessions')
    .select('meetings.title as meeting_title')
    .where('sessions.id', '=', sessionId)
    .where('sessions.account_id', '=', accountId)
    .where('sessions.app_id', '=', appId)
    .executeTakeFirst();
  return row as SessionRow | undefined;
}

/** Minutes of the still-live peers of each session, up to `now` (not yet in `minutes_consumed`). */
export async function liveMinutes(
  db: Kysely<Database>,
  sessionIds: string[],
  now: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (sessionIds.length === 0) return out;
  const rows = await db
    .selectFrom('peers')
    .select(['session_id', 'joined_at'])
    .where('session_id', 'in', sessionIds)
    .where('status', '=', 'live')
    .execute();
  for (const r of rows)
    out.set(
      r.session_id,
      (out.get(r.session_id) ?? 0) + Math.max(0, now - Number(r.joined_at)) / 60000,
    );
  return out;
}

/** A peer of a session with its participant's names. */
export type SessionPeerRow = PeersTable & {
  custom_participant_id: string | null;
  display_name: string | null;
  preset_name: string | null;
};

/** Every peer of a session (sessions hold at most thousands of peers), oldest join first. */
export async function sessionPeers(
  db: Kysely<Database>,
  sessionId: string,
): Promise<SessionPeerRow[]> {
  const rows = await db
    .selectFrom('peers')
    .leftJoin('participants', 'participants.id', 'peers.participant_id')
    .selectAll('peers')
    .select([
      'participants.custom_participant_id as custom_participant_id',
      'participants.name as display_name',
      'participants.preset_name as preset_name',
    ])
    .where('peers.session_id', '=', sessionId)
    .orderBy('peers.joined_at')
    .orderBy('peers.id')
    .execute();
  return rows as SessionPeerRow[];
}

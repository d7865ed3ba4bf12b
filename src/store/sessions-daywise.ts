/**
 * Sessions per UTC day of their start, for RealtimeKit's `analytics/daywise`:
 * counted in the database (one index range scan over `(app_id, started_at)`,
 * grouped by day number), so no session row leaves it.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

const DAY_MS = 86_400_000;

/** Sessions started in [fromMs, toMs) by UTC day (`YYYY-MM-DD`): count and the minutes of their closed peers. */
export async function sessionsByDay(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  fromMs: number,
  toMs: number,
): Promise<Map<string, { sessions: number; minutes: number }>> {
  const dayNo = sql<number>`(started_at / ${sql.lit(DAY_MS)})`;
  const rows = await db
    .selectFrom('sessions')
    .select([
      dayNo.as('day_no'),
      (eb) => eb.fn.countAll<number | string>().as('n'),
      (eb) => eb.fn.sum<number | string>('minutes_consumed').as('minutes'),
    ])
    .where('app_id', '=', appId)
    .where('started_at', '>=', fromMs)
    .where('started_at', '<', toMs)
    .where('account_id', '=', accountId)
    .groupBy(dayNo)
    .execute();
  const out = new Map<string, { sessions: number; minutes: number }>();
  for (const r of rows) {
    const day = new Date(Math.floor(Number(r.day_no)) * DAY_MS).toISOString().slice(0, 10);
    out.set(day, { sessions: Number(r.n), minutes: Number(r.minutes ?? 0) });
  }
  return out;
}

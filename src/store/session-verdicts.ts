/**
 * The worst stored verdict of each listed session's finished peers (one
 * grouped query over the page's sessions, by the `(session_id, joined_at)`
 * index): the sessions list shows it without reading any telemetry.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { VERDICT_ORDER } from '../analytics/diagnosis/verdict.ts';
import type { Verdict } from '../analytics/diagnosis/types.ts';

/** Worst verdict by session id (sessions without a diagnosed peer are absent). */
export async function worstVerdicts(
  db: Kysely<Database>,
  sessionIds: readonly string[],
): Promise<Map<string, Verdict>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('peers')
    .select(['session_id', (eb) => eb.fn.max('verdict_rank').as('worst')])
    .where('session_id', 'in', [...sessionIds])
    .where('verdict_rank', 'is not', null)
    .groupBy('session_id')
    .execute();
  const out = new Map<string, Verdict>();
  for (const r of rows) {
    const v = VERDICT_ORDER[Number(r.worst)];
    if (v) out.set(r.session_id, v);
  }
  return out;
}

/** A stored verdict rank as its name. */
export function verdictName(rank: number | string | null | undefined): Verdict | undefined {
  return rank === null || rank === undefined ? undefined : VERDICT_ORDER[Number(rank)];
}

/**
 * Analytics of an app:
 * - `GET …/{app_id}/analytics/daywise`: RealtimeKit's `getOrgAnalytics`
 *   (sessions per UTC day of their start, zero-filled; `recording_stats`
 *   present and zero: this server records nothing). Default range: the last
 *   30 days up to today.
 * - `GET …/{app_id}/analytics/quality`: fleet call quality per group
 *   (`group_by` day | hour | browser | os | country | asn | network), from
 *   the rollups (src/store/quality-rollups-read.ts). Default range: the last
 *   7 UTC days, today included.
 * - `GET …/{app_id}/analytics/quality/peers`: the peers behind a number,
 *   worst first, paged, each with the path of its report.
 * Dates are `YYYY-MM-DD`, UTC, inclusive at both ends.
 */
import { requireApp } from '../route-params.ts';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import {
  dayStart,
  daysBetween,
  GROUP_BY,
  qualityByGroup,
  worstPeers,
  type GroupBy,
  type RollupFilters,
} from '../../store/quality-rollups-read.ts';
import { ROLLUP_DIMENSIONS } from '../../rollup/peer-rollup.ts';
import {
  ISSUE_KINDS,
  VERDICTS,
  type IssueKind,
  type Verdict,
} from '../../rollup/rollup-diagnosis.ts';
import { parsePage, pagingBlock } from '../pagination.ts';

const DAY_MS = 86_400_000;
/** The longest range a query may span. */
const MAX_RANGE_DAYS = 400;
const MAX_FILTER_VALUES = 50;

function today(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

function dateParam(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : NaN;
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== raw) {
    throw badRequest(name, `expected a date YYYY-MM-DD, got '${raw.slice(0, 40)}'`);
  }
  return raw;
}

/** The inclusive UTC day range of `start_date`/`end_date`; a missing bound is `defaultDays` from the other (end: today). */
function dayRange(c: Context, defaultDays: number): { fromDay: string; toDay: string } {
  const start = dateParam(c, 'start_date');
  const end = dateParam(c, 'end_date');
  const toDay = end ?? today(Date.now());
  const fromDay = start ?? today(dayStart(toDay) - (defaultDays - 1) * DAY_MS);
  if (fromDay > toDay)
    throw badRequest('end_date', `must not be before start_date (${fromDay} > ${toDay})`);
  if ((dayStart(toDay) - dayStart(fromDay)) / DAY_MS + 1 > MAX_RANGE_DAYS)
    throw badRequest('start_date', `the range may span at most ${MAX_RANGE_DAYS} days`);
  return { fromDay, toDay };
}

function filtersOf(c: Context): RollupFilters {
  const filters: RollupFilters = {};
  for (const dim of ROLLUP_DIMENSIONS) {
    const raw = c.req.query(dim);
    if (raw === undefined || raw === '') continue;
    const values = raw
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length > MAX_FILTER_VALUES)
      throw badRequest(dim, `at most ${MAX_FILTER_VALUES} values`);
    if (values.some((v) => v.length > 64))
      throw badRequest(dim, 'a value is longer than 64 characters');
    if (dim === 'hour' && values.some((v) => !/^([01]\d|2[0-3])$/.test(v)))
      throw badRequest(dim, `expected hours 00-23, got '${raw.slice(0, 40)}'`);
    filters[dim] = values;
  }
  return filters;
}

function listParam<T extends string>(c: Context, name: string, allowed: readonly T[]): T[] {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return [];
  return raw.split(',').map((v) => {
    const hit = allowed.find((a) => a === v.trim().toLowerCase());
    if (!hit)
      throw badRequest(name, `expected one of ${allowed.join(', ')}, got '${v.slice(0, 40)}'`);
    return hit;
  });
}

function intParam(c: Context, name: string, def: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw badRequest(name, `expected an integer from ${min} to ${max}, got '${raw.slice(0, 40)}'`);
  return Number(raw);
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Routes of the analytics resource. */
export function analyticsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const base = '/accounts/:account_id/realtime/kit/:app_id/analytics';

  r.get(`${base}/daywise`, async (c) => {
    const { accountId, appId } = await requireApp(c);
    const { fromDay, toDay } = dayRange(c, 31);
    const byDay = await c
      .get('ctx')
      .store.sessions.byDay(accountId, appId, dayStart(fromDay), dayStart(toDay) + DAY_MS);
    const days = daysBetween(fromDay, toDay);
    const dayStats = days.map((day) => {
      const d = byDay.get(day);
      return {
        day,
        total_sessions: d?.sessions ?? 0,
        total_session_minutes: round2(d?.minutes ?? 0),
      };
    });
    return c.json({
      success: true,
      data: {
        session_stats: {
          sessions_count: dayStats.reduce((n, d) => n + d.total_sessions, 0),
          sessions_minutes_consumed: round2(
            dayStats.reduce((n, d) => n + d.total_session_minutes, 0),
          ),
          day_stats: dayStats,
        },
        recording_stats: {
          recording_count: 0,
          recording_minutes_consumed: 0,
          day_stats: days.map((day) => ({ day, total_recordings: 0, total_recording_minutes: 0 })),
        },
      },
    });
  });

  r.get(`${base}/quality`, async (c) => {
    const { accountId, appId } = await requireApp(c);
    const { fromDay, toDay } = dayRange(c, 7);
    const groupBy = (listParam(c, 'group_by', GROUP_BY)[0] ?? 'day') as GroupBy;
    if ((c.req.query('group_by') ?? '').includes(','))
      throw badRequest('group_by', 'one dimension only');
    const limit = intParam(c, 'limit', 50, 1, 1000);
    const filters = filtersOf(c);
    const daily = c.req.query('daily');
    if (daily !== undefined && daily !== '' && daily !== 'true' && daily !== 'false')
      throw badRequest('daily', `expected true or false, got '${daily.slice(0, 40)}'`);
    const answer = await c
      .get('ctx')
      .store.fleet.qualityByGroup(
        { accountId, appId, fromDay, toDay, filters },
        groupBy,
        limit,
        daily === 'true',
      );
    return c.json({
      success: true,
      data: { start_date: fromDay, end_date: toDay, group_by: groupBy, filters, ...answer },
    });
  });

  r.get(`${base}/quality/peers`, async (c) => {
    const { accountId, appId } = await requireApp(c);
    const { fromDay, toDay } = dayRange(c, 7);
    const filters = filtersOf(c);
    const verdicts = listParam<Verdict>(c, 'verdict', VERDICTS);
    const kinds = listParam<IssueKind>(c, 'kind', ISSUE_KINDS);
    if (kinds.length > 1) throw badRequest('kind', 'one issue kind only');
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    const { rows, total } = await c.get('ctx').store.fleet.worstPeers({
      accountId,
      appId,
      fromDay,
      toDay,
      filters,
      verdicts,
      kind: kinds[0],
      offset: page.offset,
      limit: page.perPage,
    });
    return c.json({
      success: true,
      data: {
        start_date: fromDay,
        end_date: toDay,
        peers: rows.map((p) => ({
          ...p,
          joined_at: new Date(p.joined_at).toISOString(),
          finished_at: new Date(p.finished_at).toISOString(),
          report_path: `/accounts/${accountId}/realtime/kit/${appId}/sessions/peer-report/${p.peer_id}`,
        })),
      },
      paging: pagingBlock(page, rows.length, total),
    });
  });

  return r;
}

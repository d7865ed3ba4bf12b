/**
 * Queries over the fleet quality rollups (never raw telemetry):
 * - {@link qualityByGroup}: merges the pre-aggregated buckets of the range
 *   (rollup-cells-read.ts): day buckets for a time series, else whole ISO
 *   weeks plus the edge days; one dimension's buckets, or a pair's when a
 *   filter and the group (or two filters) involve two dimensions. Only a
 *   query involving three or more dimensions reads the matching per-peer
 *   summary rows (index by app and filtered dimension and time), aggregated
 *   with the same bucket code, so every path gives the same figures.
 * - {@link worstPeers}: the per-peer rows, worst first, paged.
 * - {@link cohortBuckets}: the merged buckets a peer's cohort context reads.
 * Days are UTC; a range is whole days `fromDay`..`toDay` inclusive.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { DialectAdapter } from './dialect-adapter.ts';
import { BucketAccumulator, FIGURE_ROW_COLUMNS } from '../rollup/bucket-accumulator.ts';
import {
  addPeer,
  emptyBucket,
  groupFigures,
  mergeBucket,
  shareOf,
  parseBucket,
  type BucketData,
  type GroupFigures,
} from '../rollup/bucket-data.ts';
import type { PeerRollup, RollupDimension } from '../rollup/peer-rollup.ts';
import { dayPeriods, rangePeriods } from '../rollup/rollup-cells.ts';
import { cellPlan, cellRows, cellSizes } from './rollup-cells-read.ts';
import { packedFigureColumns } from './packed-figure-columns.ts';
import { severityRange } from '../rollup/peer-rollup.ts';
import {
  ISSUE_KINDS,
  issuesOfMask,
  VERDICTS,
  type IssueKind,
  type Verdict,
} from '../rollup/rollup-diagnosis.ts';

/** `group_by` values. */
export const GROUP_BY = ['day', 'hour', 'browser', 'os', 'country', 'asn', 'network'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** Filters: per dimension, the values accepted (any of them). */
export type RollupFilters = Partial<Record<RollupDimension, readonly string[]>>;

/** A rollup query's scope. */
export interface RollupScope {
  accountId: string;
  appId: string;
  /** Inclusive UTC days, `YYYY-MM-DD`. */
  fromDay: string;
  toDay: string;
  filters: RollupFilters;
}

/** A group's figures on one day (`daily=true`). */
export interface DailyFigures {
  day: string;
  peers: number;
  audio_mos_p50: number | null;
  video_mos_p50: number | null;
  poor_bad_share: number;
}

/** One group of a quality answer. */
export type QualityGroup = { key: string; daily?: DailyFigures[] } & GroupFigures;

/** The answer of a quality query. */
export interface QualityAnswer {
  overall: GroupFigures;
  groups: QualityGroup[];
  /** Groups before `limit` cut them (only the largest are returned, except for day and hour). */
  groups_total: number;
}

const DAY_MS = 86_400_000;

/** Epoch ms of the start of a UTC day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The UTC days `fromDay`..`toDay` inclusive. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const out: string[] = [];
  for (let t = dayStart(fromDay); t <= dayStart(toDay); t += DAY_MS)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function hasFilters(f: RollupFilters): boolean {
  return Object.values(f).some((v) => v !== undefined && v.length > 0);
}

/** Per-group figures of the scope, grouped by `groupBy`; at most `limit` groups (largest first) unless by time. */
export async function qualityByGroup(
  db: Kysely<Database>,
  adapter: DialectAdapter,
  scope: RollupScope,
  groupBy: GroupBy,
  limit: number,
  daily = false,
): Promise<QualityAnswer> {
  const groups = new Map<string, BucketAccumulator>();
  // Per group and day (`daily`, for sparklines): the same buckets, kept apart by day.
  const byDay = new Map<string, Map<string, BucketAccumulator>>();
  const perDay = daily && groupBy !== 'day' && groupBy !== 'hour';
  const dayOf = (key: string, day: string) => {
    let m = byDay.get(key);
    if (!m) byDay.set(key, (m = new Map()));
    let a = m.get(day);
    if (!a) m.set(day, (a = new BucketAccumulator()));
    return a;
  };
  const overall = new BucketAccumulator();
  const into = (key: string) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new BucketAccumulator()));
    return g;
  };
  let total: number | undefined;
  const plan = cellPlan(scope.filters, groupBy);
  if (plan) {
    // Merged buckets: by day for a time series or sparklines, else whole weeks plus the edge days.
    const periods =
      groupBy === 'day' || groupBy === 'hour' || perDay
        ? dayPeriods(scope.fromDay, scope.toDay)
        : rangePeriods(scope.fromDay, scope.toDay);
    const cells = { accountId: scope.accountId, appId: scope.appId, periods };
    let values: string[] | undefined;
    if (plan.ranked) {
      // Only the `limit` largest groups are answered: rank the values by their peer counts (summed in the
      // database, without the histograms), then read the histograms of those alone.
      const sizes = await cellSizes(db, cells, plan);
      total = sizes.length;
      values = sizes.slice(0, limit).map((g) => g.value);
    }
    const rows = await cellRows(db, cells, plan.spec, plan.group, values);
    for (const r of rows) {
      const value = plan.group === 'a' ? r.a_value : r.b_value;
      const key =
        plan.group === 'period' ? r.period : groupBy === 'hour' ? `${r.period}T${value}` : value;
      const data = JSON.parse(r.data) as Partial<BucketData>;
      const [peers, minutes] = [Number(r.peers), Number(r.minutes)];
      into(key).addBucket(data, peers, minutes);
      if (perDay) dayOf(key, r.period).addBucket(data, peers, minutes);
    }
    if (plan.overall) {
      for (const r of await cellRows(db, cells, plan.overall))
        overall.addBucket(
          JSON.parse(r.data) as Partial<BucketData>,
          Number(r.peers),
          Number(r.minutes),
        );
    } else {
      for (const g of groups.values()) overall.addAll(g);
    }
  } else {
    // Three or more dimensions (two filters and a third grouped): no buckets; the matching per-peer rows, read as
    // arrays with only the columns needed and each added to its group once (the overall figure is the groups'
    // merge: every peer is in exactly one group).
    const keyColumns =
      groupBy === 'hour'
        ? ['day', 'hour']
        : groupBy === 'day'
          ? ['day']
          : perDay
            ? [groupBy, 'day']
            : [groupBy];
    const packed = adapter.packsFigureRows;
    const keys = scopedPeers(db, scope, adapter.plansFromStatistics ? 'dimension' : 'range').select(
      keyColumns as (keyof PeerRollup)[],
    );
    const rows = await adapter.selectArrays(
      db,
      (packed
        ? keys.select(packedFigureColumns())
        : keys.select(FIGURE_ROW_COLUMNS as unknown as (keyof PeerRollup)[])
      ).compile(),
    );
    const offset = keyColumns.length;
    const add = packed
      ? (a: BucketAccumulator, row: unknown[]) => {
          if (row[offset + 2] === null) throw new Error('peer row with an unknown verdict');
          a.addPacked(Number(row[offset]), Number(row[offset + 1]), Number(row[offset + 2]));
        }
      : (a: BucketAccumulator, row: unknown[]) => a.addRow(row, offset);
    const keyOf = (row: unknown[]) => (groupBy === 'hour' ? `${row[0]}T${row[1]}` : String(row[0]));
    for (const row of rows) add(into(keyOf(row)), row);
    if (perDay) {
      // Sparklines only for the groups answered (the largest `limit`): a day's accumulator for every group of a
      // broad dimension (thousands of ASNs × days) cost more than the whole query.
      const answered = new Set(
        largestFirst([...groups.entries()])
          .slice(0, limit)
          .map(([k]) => k),
      );
      for (const row of rows) {
        const key = keyOf(row);
        if (answered.has(key)) add(dayOf(key, String(row[1])), row);
      }
    }
    for (const g of groups.values()) overall.addAll(g);
  }
  if (groupBy === 'day') for (const day of daysBetween(scope.fromDay, scope.toDay)) into(day);
  let entries = [...groups.entries()];
  if (groupBy === 'day' || groupBy === 'hour') entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  else entries = largestFirst(entries);
  total ??= entries.length;
  if (groupBy !== 'day' && groupBy !== 'hour') entries = entries.slice(0, limit);
  return {
    overall: figuresOf(overall),
    groups: entries.map(([key, g]) => ({
      key,
      ...figuresOf(g),
      ...(perDay ? { daily: dailyFigures(scope, byDay.get(key)) } : {}),
    })),
    groups_total: total,
  };
}

/** Groups by peer count, largest first, ties by key. */
function largestFirst<T extends { peers: number }>(entries: [string, T][]): [string, T][] {
  return entries.sort((a, b) => b[1].peers - a[1].peers || (a[0] < b[0] ? -1 : 1));
}

function figuresOf(a: BucketAccumulator, topIssues?: number): GroupFigures {
  return groupFigures(a.bucket(), a.peers, a.minutes, topIssues);
}

/** A group's figures per day of the range (zero-filled): peers, MOS p50, share of poor and bad peers. */
function dailyFigures(
  scope: RollupScope,
  days: Map<string, BucketAccumulator> | undefined,
): DailyFigures[] {
  return daysBetween(scope.fromDay, scope.toDay).map((day) => {
    const a = days?.get(day);
    if (!a) return { day, peers: 0, audio_mos_p50: null, video_mos_p50: null, poor_bad_share: 0 };
    // Shares rounded as groupFigures rounds each verdict's.
    return {
      day,
      peers: a.peers,
      audio_mos_p50: a.percentile('am', 0.5),
      video_mos_p50: a.percentile('vm', 0.5),
      poor_bad_share:
        Math.round(
          (shareOf(a.verdictPeers('poor'), a.peers) + shareOf(a.verdictPeers('bad'), a.peers)) *
            10_000,
        ) / 10_000,
    };
  });
}

/**
 * The peer rows of a scope. Not filtered by account: the caller has checked that the app (a UUID) belongs to
 * the account, and a condition on `account_id` would make every index-only scan read the table rows too.
 * `through`: `dimension` lets the planner take a filtered dimension's index (few matches: a narrow cohort; or
 * any plan, where the planner weighs them by statistics: `DialectAdapter.plansFromStatistics`); `range` writes
 * the filters so that no dimension index is chosen for them (`|| ''`), leaving the range's covering index (many
 * matches: a dimension index would cost a table lookup per match).
 */
function scopedPeers(
  db: Kysely<Database>,
  scope: RollupScope,
  through: 'dimension' | 'range' = 'dimension',
) {
  let q = db
    .selectFrom('peer_rollups')
    .where('app_id', '=', scope.appId)
    .where('finished_at', '>=', dayStart(scope.fromDay))
    .where('finished_at', '<', dayStart(scope.toDay) + DAY_MS);
  for (const [dim, values] of Object.entries(scope.filters) as [
    RollupDimension,
    readonly string[] | undefined,
  ][]) {
    if (!values || values.length === 0) continue;
    q =
      through === 'range'
        ? q.where(sql<string>`${sql.ref(dim)} || ''`, 'in', values)
        : q.where(dim, 'in', values);
  }
  return q;
}

function numeric<T extends Partial<PeerRollup>>(r: T): T {
  const out: Record<string, unknown> = { ...r };
  for (const k of [
    'minutes',
    'audio_mos',
    'video_mos',
    'loss_p50',
    'loss_p90',
    'rtt_p50',
    'rtt_p90',
    'jitter_p50',
    'jitter_p90',
    'issue_mask',
    'severity',
    'joined_at',
    'finished_at',
  ]) {
    if (out[k] !== undefined && out[k] !== null) out[k] = Number(out[k]);
  }
  return out as T;
}

/** A peers query: the scope plus verdicts and an issue kind. */
export interface PeersQuery extends RollupScope {
  verdicts: readonly Verdict[];
  kind?: IssueKind;
  offset: number;
  limit: number;
}

/** One row of the peers query. */
export type WorstPeer = Omit<PeerRollup, 'account_id' | 'issue_mask'> & { issues: IssueKind[] };

/** From this many matching peers on, a page is read by walking the worst-first index (see {@link worstPeers}). */
const WALK_MIN_PEERS = 1000;

/**
 * The peers of the scope, worst first (severity, then id, both descending),
 * one page, and how many match.
 *
 * The count comes from the buckets when at most two dimensions are filtered
 * (a bucket is the sum of its peers' rollups, with peers by verdict, by
 * issue kind and by both). The page: when many peers match (or no dimension
 * is filtered), ids are read by walking the covering index `(app_id,
 * severity, peer_id, finished_at, issue_mask)` from the worst end, in order,
 * no sort (the verdicts bound the severity range); the conditions on time and
 * dimensions are written so that no other index is chosen for them (`+ 0`,
 * `|| ''`: SQLite's planner would otherwise pick the narrower-looking time or
 * dimension index and sort the whole week). PostgreSQL's planner sees through
 * neither: it estimated the walk's early stop badly and chose a parallel
 * sequential scan or a bitmap scan of the verdict index, then a sort (at
 * 1,000,000 peers 117–147 ms, ~100 ms of it in the database), so there the walk
 * runs in a transaction that turns those plans off for its one statement.
 * When few match, through the dimension's index and a sort of those few. Then
 * the page's rows by id.
 */
export async function worstPeers(
  db: Kysely<Database>,
  dialect: StoreDialect,
  q: PeersQuery,
): Promise<{ rows: WorstPeer[]; total: number }> {
  const fromCells = await countFromCells(db, q);
  const dims = (Object.keys(q.filters) as RollupDimension[]).filter(
    (d) => (q.filters[d]?.length ?? 0) > 0,
  );
  const walk = dims.length === 0 || (fromCells ?? 0) >= WALK_MIN_PEERS;
  let ids = db.selectFrom('peer_rollups').select('peer_id').where('app_id', '=', q.appId);
  const from = dayStart(q.fromDay);
  const to = dayStart(q.toDay) + DAY_MS;
  if (walk) {
    ids = ids
      .where(sql<number>`finished_at + 0`, '>=', from)
      .where(sql<number>`finished_at + 0`, '<', to);
    for (const d of dims) ids = ids.where(sql<string>`${sql.ref(d)} || ''`, 'in', q.filters[d]!);
  } else {
    ids = ids.where('finished_at', '>=', from).where('finished_at', '<', to);
    for (const d of dims) ids = ids.where(d, 'in', q.filters[d]!);
  }
  if (q.verdicts.length > 0) {
    const ranges = q.verdicts.map(severityRange);
    ids = ids
      .where('severity', '>=', Math.min(...ranges.map((r) => r[0])))
      .where('severity', '<=', Math.max(...ranges.map((r) => r[1])))
      .where('verdict', 'in', q.verdicts);
  }
  if (q.kind !== undefined)
    ids = ids.where(sql<number>`(issue_mask & ${1 << ISSUE_KINDS.indexOf(q.kind)})`, '!=', 0);
  const pageQuery = ids
    .orderBy('severity', 'desc')
    .orderBy('peer_id', 'desc')
    .offset(q.offset)
    .limit(q.limit);
  const [page, count] = await Promise.all([
    walk && dialect === 'postgres'
      ? db.transaction().execute(async (tx) => {
          // One round trip (`set_config(…, true)` is `set local`). A walk stops after a page: starting parallel
          // workers for it cost ~30 ms of wall time (44 ms p50 for 11 ms of CPU at 1,000,000 peers).
          await sql`select set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
            set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`.execute(
            tx,
          );
          return tx.executeQuery(pageQuery.compile()).then((r) => r.rows);
        })
      : pageQuery.execute(),
    fromCells ??
      ids
        .clearSelect()
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n)),
  ]);
  const order = new Map(page.map((r, i) => [r.peer_id, i]));
  const rows =
    page.length === 0
      ? []
      : await db
          .selectFrom('peer_rollups')
          .selectAll()
          .where(
            'peer_id',
            'in',
            page.map((r) => r.peer_id),
          )
          .execute();
  rows.sort((x, y) => order.get(x.peer_id)! - order.get(y.peer_id)!);
  return {
    rows: rows.map((raw) => {
      const r = numeric(
        raw as unknown as PeerRollup & { chunks_upto?: unknown; computed_at?: unknown },
      );
      const { account_id: _a, issue_mask, chunks_upto: _c, computed_at: _t, ...rest } = r;
      return { ...rest, issues: issuesOfMask(issue_mask) };
    }),
    total: count,
  };
}

/** The number of peers a peers query matches, from the buckets; undefined when three or more dimensions are filtered. */
async function countFromCells(db: Kysely<Database>, q: PeersQuery): Promise<number | undefined> {
  const plan = cellPlan(q.filters, 'day');
  if (!plan) return undefined;
  const rows = await cellRows(
    db,
    {
      accountId: q.accountId,
      appId: q.appId,
      periods: rangePeriods(q.fromDay, q.toDay),
    },
    plan.spec,
  );
  const kind = q.kind === undefined ? -1 : ISSUE_KINDS.indexOf(q.kind);
  const ranks = q.verdicts.map((v) => VERDICTS.indexOf(v));
  let n = 0;
  for (const r of rows) {
    if (kind < 0 && ranks.length === 0) {
      n += Number(r.peers);
      continue;
    }
    const b = parseBucket(r.data);
    if (kind < 0) for (const v of ranks) n += b.v[v];
    else if (ranks.length === 0) n += b.k[ISSUE_KINDS[kind]] ?? 0;
    else for (const v of ranks) n += b.vk[v * ISSUE_KINDS.length + kind];
  }
  return n;
}

/** The merged buckets of `dim` = `value` (`all` for every peer) of an app over `fromDay`..`toDay`. */
export async function cohortBuckets(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  fromDay: string,
  toDay: string,
  dim: string,
  value: string,
): Promise<{ data: BucketData; peers: number }> {
  const rows = await db
    .selectFrom('rollup_buckets')
    .select(['peers', 'data'])
    .where('app_id', '=', appId)
    .where('dim', '=', dim)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .where('value', '=', value)
    .where('account_id', '=', accountId)
    .execute();
  const data = emptyBucket();
  let peers = 0;
  for (const r of rows) {
    mergeBucket(data, parseBucket(r.data));
    peers += Number(r.peers);
  }
  return { data, peers };
}

/** A finished peer's stored rollup, if it has one (numbers as numbers). */
export async function peerRollupOfPeer(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  peerId: string,
): Promise<PeerRollup | undefined> {
  const row = await db
    .selectFrom('peer_rollups')
    .selectAll()
    .where('peer_id', '=', peerId)
    .where('app_id', '=', appId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row ? numeric(row as unknown as PeerRollup) : undefined;
}

/**
 * Among the peers of one ASN and browser family of an app over a day range:
 * how many have an audio / video MOS, and how many of them have a lower one
 * (ties count half: the mid-rank). Exact, from the per-peer rows.
 */
export async function rankInAsnBrowser(
  db: Kysely<Database>,
  scope: {
    accountId: string;
    appId: string;
    fromDay: string;
    toDay: string;
    asn: string;
    browser: string;
  },
  audio: number | null,
  video: number | null,
): Promise<{
  peers: number;
  audio?: { n: number; below: number };
  video?: { n: number; below: number };
}> {
  const filters: RollupFilters = { asn: [scope.asn], browser: [scope.browser] };
  // Counted in the database: no per-peer row leaves it. A null MOS is left out of both counts.
  const below = (value: number | null, column: 'audio_mos' | 'video_mos') =>
    value === null
      ? sql<number>`0`
      : sql<number>`sum(case when ${sql.ref(column)} < ${value} then 1.0 when ${sql.ref(column)} = ${value} then 0.5 else 0 end)`;
  const row = await scopedPeers(db, { ...scope, filters })
    .select((eb) => [
      eb.fn.countAll<number | string>().as('peers'),
      eb.fn.count<number | string>('audio_mos').as('audio_n'),
      eb.fn.count<number | string>('video_mos').as('video_n'),
      below(audio, 'audio_mos').as('audio_below'),
      below(video, 'video_mos').as('video_below'),
    ])
    .executeTakeFirstOrThrow();
  const rank = (value: number | null, n: unknown, b: unknown) =>
    value === null ? undefined : { n: Number(n), below: Number(b ?? 0) };
  return {
    peers: Number(row.peers),
    audio: rank(audio, row.audio_n, row.audio_below),
    video: rank(video, row.video_n, row.video_below),
  };
}

/**
 * Reading merged buckets for a quality query (never per-peer rows): which
 * buckets answer a `group_by` with filters ({@link cellPlan}), and their rows
 * over a range's periods ({@link cellRows}, {@link cellSizes}).
 *
 * Sources: the day buckets of one dimension (or `all`) are `rollup_buckets`
 * (migration 030); week buckets and the day and week buckets of a pair of
 * dimensions are `rollup_cells` (migration 045, src/rollup/rollup-cells.ts).
 * A query involving at most two dimensions (the filtered ones and the
 * grouped one; `day` is time, not a dimension) has buckets; one with three or
 * more (two filters and a third dimension grouped) has none and is answered
 * from the per-peer rows by the caller.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { RollupDimension } from '../rollup/peer-rollup.ts';
import { pairOrder, type RangePeriods } from '../rollup/rollup-cells.ts';

/** Filters: per dimension, the values accepted (any of them). */
export type CellFilters = Partial<Record<RollupDimension, readonly string[]>>;

/** One side of the buckets read: `a` ('' for single-dimension buckets) and `b` (`all` or a dimension), values constrained or not. */
export interface CellSpec {
  a: string;
  b: string;
  aValues?: readonly string[];
  bValues?: readonly string[];
}

/** How a query is answered from buckets. */
export interface CellPlan {
  spec: CellSpec;
  /** The column giving a row's group: its period (day), or its `a` or `b` value. */
  group: 'period' | 'a' | 'b';
  /** Only the largest groups are read (ranked by their summed peer counts first). */
  ranked: boolean;
  /** The buckets whose merge is the overall figure when the groups read are not all of them. */
  overall?: CellSpec;
}

/** The bucket plan of `filters` grouped by `groupBy`, or undefined when three or more dimensions are involved. */
export function cellPlan(
  filters: CellFilters,
  groupBy: 'day' | RollupDimension,
): CellPlan | undefined {
  const filtered = (Object.keys(filters) as RollupDimension[]).filter(
    (d) => (filters[d]?.length ?? 0) > 0,
  );
  const dims = new Set<RollupDimension>(filtered);
  if (groupBy !== 'day') dims.add(groupBy);
  const open = groupBy !== 'day' && groupBy !== 'hour' && !filtered.includes(groupBy);
  if (dims.size === 0) return { spec: { a: '', b: 'all' }, group: 'period', ranked: false };
  if (dims.size === 1) {
    const [x] = [...dims];
    return {
      spec: { a: '', b: x, bValues: filters[x] },
      group: groupBy === 'day' ? 'period' : 'b',
      ranked: open,
      overall: open ? { a: '', b: 'all' } : undefined,
    };
  }
  if (dims.size === 2) {
    const [x, y] = [...dims];
    const [a, b] = pairOrder(x, y);
    const f = filtered.find((d) => d !== groupBy)!;
    return {
      spec: { a, b, aValues: filters[a], bValues: filters[b] },
      group: groupBy === 'day' ? 'period' : groupBy === a ? 'a' : 'b',
      ranked: open,
      overall: open ? { a: '', b: f, bValues: filters[f] } : undefined,
    };
  }
  return undefined;
}

/** A bucket row as read. */
export interface CellRow {
  period: string;
  a_value: string;
  b_value: string;
  peers: number | string;
  minutes: number | string;
  data: string;
}

/** The scope of a read: app (checked to be the account's), account, and the range's periods. */
export interface CellScope {
  accountId: string;
  appId: string;
  periods: RangePeriods;
}

/** The days of `p` as a condition: a range when contiguous (no weeks), else a list. */
function dayCondition(column: string, p: RangePeriods) {
  if (p.weeks.length === 0)
    return sql`${sql.ref(column)} between ${p.days[0]} and ${p.days[p.days.length - 1]}`;
  return sql`${sql.ref(column)} in (${sql.join(p.days)})`;
}

function valueCondition(column: string, values: readonly string[] | undefined) {
  return values && values.length > 0
    ? sql` and ${sql.ref(column)} in (${sql.join(values)})`
    : sql``;
}

/**
 * The select of `spec`'s buckets over the scope's periods, as (period,
 * a_value, b_value, peers, minutes, data) from both sources; `groupValues`
 * keeps only those values of the group column.
 */
function cellSelects(
  scope: CellScope,
  spec: CellSpec,
  group: CellPlan['group'],
  groupValues: readonly string[] | undefined,
  columns: 'rows' | 'sizes',
) {
  const aValues = group === 'a' && groupValues ? groupValues : spec.aValues;
  const bValues = group === 'b' && groupValues ? groupValues : spec.bValues;
  const parts = [];
  const { days, weeks } = scope.periods;
  if (days.length > 0) {
    if (spec.a === '') {
      // Day buckets of one dimension: rollup_buckets.
      const cols =
        columns === 'rows'
          ? sql`day as period, '' as a_value, value as b_value, peers, minutes, data`
          : sql`day as period, '' as a_value, value as b_value, peers`;
      parts.push(
        sql`select ${cols} from rollup_buckets where app_id = ${scope.appId} and dim = ${spec.b} and ${dayCondition('day', scope.periods)}${valueCondition('value', bValues)} and account_id = ${scope.accountId}`,
      );
    } else {
      const cols =
        columns === 'rows'
          ? sql`period, a_value, b_value, peers, minutes, data`
          : sql`period, a_value, b_value, peers`;
      parts.push(
        sql`select ${cols} from rollup_cells where app_id = ${scope.appId} and grain = 'd' and a_dim = ${spec.a} and b_dim = ${spec.b} and ${dayCondition('period', scope.periods)}${valueCondition('a_value', aValues)}${valueCondition('b_value', bValues)} and account_id = ${scope.accountId}`,
      );
    }
  }
  if (weeks.length > 0) {
    const cols =
      columns === 'rows'
        ? sql`period, a_value, b_value, peers, minutes, data`
        : sql`period, a_value, b_value, peers`;
    parts.push(
      sql`select ${cols} from rollup_cells where app_id = ${scope.appId} and grain = 'w' and a_dim = ${spec.a} and b_dim = ${spec.b} and period between ${weeks[0]} and ${weeks[weeks.length - 1]}${valueCondition('a_value', aValues)}${valueCondition('b_value', bValues)} and account_id = ${scope.accountId}`,
    );
  }
  return parts;
}

/** The bucket rows of `spec` over the scope (optionally only the groups `groupValues`), rows with no peers left out. */
export async function cellRows(
  db: Kysely<Database>,
  scope: CellScope,
  spec: CellSpec,
  group: CellPlan['group'] = 'period',
  groupValues?: readonly string[],
): Promise<CellRow[]> {
  if (groupValues?.length === 0) return [];
  const out: CellRow[] = [];
  for (const part of cellSelects(scope, spec, group, groupValues, 'rows')) {
    const { rows } = await part.execute(db);
    for (const r of rows as CellRow[]) if (Number(r.peers) !== 0) out.push(r);
  }
  return out;
}

/**
 * The groups of `plan` over the scope with their peer counts (summed in the database), largest first, ties by
 * value. The group is an expression (`|| ''`) so that no index is chosen for its order: SQLite took the index by
 * `b` (whose order is the group's) and read every day of the pair for the filtered value instead of seeking the
 * range's days in the primary key (90 days grouped by ASN: 25 ms instead of 1 ms for that statement).
 */
export async function cellSizes(
  db: Kysely<Database>,
  scope: CellScope,
  plan: CellPlan,
): Promise<{ value: string; peers: number }[]> {
  const col = plan.group === 'a' ? 'a_value' : 'b_value';
  const sums = new Map<string, number>();
  for (const part of cellSelects(scope, plan.spec, plan.group, undefined, 'sizes')) {
    const { rows } = await sql<{
      v: string;
      n: number | string;
    }>`select ${sql.ref(col)} || '' as v, sum(peers) as n from (${part}) s group by 1`.execute(db);
    for (const r of rows) sums.set(r.v, (sums.get(r.v) ?? 0) + Number(r.n));
  }
  return [...sums.entries()]
    .map(([value, peers]) => ({ value, peers }))
    .filter((r) => r.peers > 0)
    .sort((a, b) => b.peers - a.peers || (a.value < b.value ? -1 : 1));
}

/**
 * Indexes the stats of one report by id and by canonical W3C type.
 *
 * Canonicalisation covers the pre-standard spellings still found in recorded dumps:
 * Firefox before 66 (`inboundrtp`/`outboundrtp` with `isRemote: true` for the RTCP-derived
 * stats, `candidatepair`, `localcandidate`, `remotecandidate`) and the hyphenated types
 * carrying `isRemote: true`. Browser-safe.
 */
import type { RawStat, RawStatsReport } from './types.ts';
import { bool, num } from './values.ts';

/** Type spellings of older browsers mapped to the W3C names (before the `isRemote` check). */
const TYPE_ALIASES: Record<string, string> = {
  inboundrtp: 'inbound-rtp',
  outboundrtp: 'outbound-rtp',
  candidatepair: 'candidate-pair',
  localcandidate: 'local-candidate',
  remotecandidate: 'remote-candidate',
  mediasource: 'media-source',
  remoteinboundrtp: 'remote-inbound-rtp',
  remoteoutboundrtp: 'remote-outbound-rtp',
  'inbound-rtp-remote': 'remote-inbound-rtp',
};

/** The W3C type of a stat, accounting for old spellings and `isRemote`. */
export function canonicalType(stat: RawStat): string {
  const type = TYPE_ALIASES[stat.type] ?? stat.type;
  if (bool(stat.isRemote) === true) {
    // Old Firefox: the RTCP view the remote end has of OUR outbound stream was an
    // "inbound" stat flagged remote, and vice versa.
    if (type === 'inbound-rtp') return 'remote-inbound-rtp';
    if (type === 'outbound-rtp') return 'remote-outbound-rtp';
  }
  return type;
}

function isStatLike(value: unknown): value is RawStat {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Every stat of a report, whatever container it came in. Ids missing on a stat are taken from the container key. */
export function listStats(stats: RawStatsReport['stats']): RawStat[] {
  const out: RawStat[] = [];
  const push = (value: unknown, key?: string): void => {
    if (!isStatLike(value)) return;
    if (typeof value.id === 'string' && value.id !== '') out.push(value);
    else if (key !== undefined) out.push({ ...value, id: key });
  };
  const container = stats as unknown;
  if (container === null || typeof container !== 'object') return out;
  const maybeMap = container as { get?: unknown; forEach?: unknown; values?: unknown };
  if (
    !Array.isArray(container) &&
    typeof maybeMap.get === 'function' &&
    typeof maybeMap.forEach === 'function'
  ) {
    // Map or live RTCStatsReport (maplike).
    (container as ReadonlyMap<string, unknown>).forEach((value, key) => push(value, key));
    return out;
  }
  if (typeof (container as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    for (const entry of container as Iterable<unknown>) {
      if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string')
        push(entry[1], entry[0]);
      else push(entry);
    }
    return out;
  }
  for (const [key, value] of Object.entries(container as Record<string, unknown>)) push(value, key);
  return out;
}

/** Lookup tables over one report. */
export class StatIndex {
  readonly byId = new Map<string, RawStat>();
  private readonly byType = new Map<string, RawStat[]>();

  constructor(stats: readonly RawStat[]) {
    for (const stat of stats) {
      this.byId.set(stat.id, stat);
      const type = canonicalType(stat);
      let list = this.byType.get(type);
      if (!list) this.byType.set(type, (list = []));
      list.push(stat);
    }
  }

  /** All stats of one canonical type, in report order. */
  ofType(type: string): readonly RawStat[] {
    return this.byType.get(type) ?? [];
  }

  /** The stat referenced by an id field, when present and (optionally) of the expected canonical type. */
  ref(id: unknown, type?: string): RawStat | undefined {
    if (typeof id !== 'string') return undefined;
    const stat = this.byId.get(id);
    if (!stat) return undefined;
    return type === undefined || canonicalType(stat) === type ? stat : undefined;
  }

  /** The largest `timestamp` of the report, or `undefined` when no stat has one. */
  maxTimestamp(): number | undefined {
    let max: number | undefined;
    for (const stat of this.byId.values()) {
      const t = num(stat.timestamp);
      if (t !== undefined && (max === undefined || t > max)) max = t;
    }
    return max;
  }
}

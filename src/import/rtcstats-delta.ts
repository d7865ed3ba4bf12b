/**
 * Delta decompression of the getstats values of rtcstats line dumps
 * (jitsi/fippo rtcstats clients). After the first report of a PC, a stat id
 * carries only the fields that changed, `timestamp: 0` stands for the report's
 * top-level `timestamp`, and `null` removes the stat.
 *
 * Two client generations differ on ids missing from a delta: newer clients
 * send every live stat (an unchanged one as `{timestamp: 0}`), so a missing id
 * is gone; older clients drop unchanged stats entirely, so a missing id is
 * unchanged. The style is recognised from the data: seeing a timestamp-only
 * entry marks the newer style.
 */
import type { RawStat } from '../normalize/types.ts';

/** The decompressed state of one PC's stats. */
export class RtcstatsDeltaState {
  private readonly base = new Map<string, RawStat>();
  /** Whether this stream of reports lists unchanged stats as `{timestamp: 0}` (then a missing id means removed). */
  private listsUnchanged = false;

  /**
   * Applies one (delta) report and returns the full report it stands for, at
   * `reportTs` (the top-level `timestamp`, or the line time). The returned
   * stats are the live state: use them before applying the next delta.
   */
  apply(delta: Record<string, unknown>, reportTs: number): RawStat[] {
    const present = new Set<string>();
    // for-in and keyed reads, no arrays of entries: this runs for every stat of every report of a dump.
    for (const id in delta) {
      if (id === 'timestamp') continue;
      const value = delta[id];
      if (value === null) {
        this.base.delete(id);
        continue;
      }
      if (typeof value !== 'object' || Array.isArray(value)) continue;
      const fields = value as Record<string, unknown>;
      if (onlyTimestamp(fields)) this.listsUnchanged = true;
      present.add(id);
      const previous = this.base.get(id);
      let merged: RawStat;
      if (previous === undefined) {
        // A new stat starts as one copy of its fields (an object literal with a spread keeps V8's fast layout;
        // adding ~30 fields one by one under computed names turned most legacy stats into hash tables, which every
        // later read of a named field then paid for).
        merged = { id, type: '', ...fields };
        this.base.set(id, merged);
      } else {
        // Updated in place (mostly fields it already has): a report is normalised before the next delta is
        // applied, and the normaliser copies what it keeps.
        merged = previous;
        for (const name in fields) {
          if (name !== 'timestamp') merged[name] = fields[name];
        }
      }
      merged.id = id;
      const ts = fields.timestamp;
      if (ts === 0 || (ts === undefined && previous === undefined)) merged.timestamp = reportTs;
      else if (typeof ts === 'number') merged.timestamp = ts;
      else if (previous === undefined) delete merged.timestamp;
    }
    const report: RawStat[] = [];
    for (const [id, stat] of this.base) {
      if (typeof stat.type !== 'string' || stat.type === '') continue;
      if (present.has(id) || !this.listsUnchanged) report.push(stat);
    }
    if (this.listsUnchanged) {
      // Ids missing from this delta are gone; drop them so a later re-use of the id starts fresh.
      for (const id of [...this.base.keys()]) if (!present.has(id)) this.base.delete(id);
    }
    return report;
  }
}

/** Whether a delta entry holds only `timestamp` (the newer clients' "unchanged" marker). */
function onlyTimestamp(fields: Record<string, unknown>): boolean {
  for (const name in fields) if (name !== 'timestamp') return false;
  return Object.hasOwn(fields, 'timestamp');
}

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
    for (const [id, value] of Object.entries(delta)) {
      if (id === 'timestamp') continue;
      if (value === null) {
        this.base.delete(id);
        continue;
      }
      if (typeof value !== 'object' || Array.isArray(value)) continue;
      const fields = value as Record<string, unknown>;
      const keys = Object.keys(fields);
      if (keys.length === 1 && keys[0] === 'timestamp') this.listsUnchanged = true;
      present.add(id);
      const previous = this.base.get(id);
      // Updated in place: a report is normalised before the next delta is applied, and the
      // normaliser copies what it keeps.
      const merged: RawStat = previous ?? { id, type: '' };
      for (const name in fields) {
        if (name !== 'timestamp') merged[name] = fields[name];
      }
      merged.id = id;
      const ts = fields.timestamp;
      if (ts === 0 || (ts === undefined && previous === undefined)) merged.timestamp = reportTs;
      else if (typeof ts === 'number') merged.timestamp = ts;
      if (!previous) this.base.set(id, merged);
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

/**
 * Tally of dump lines an importer skipped: lines of an unexpected shape
 * (wrong arity, no timestamp, not an array...) and lines of methods it does
 * not read. Skipping is never fatal by itself; the tally becomes the import's
 * warnings so the user sees what was left out.
 */

const LINES_LISTED = 5;
const METHODS_LISTED = 10;

/** Counts skipped lines by reason and by unknown method. */
export class SkippedLines {
  /** What is counted: `line` (line formats) or `entry` (JSON documents). */
  constructor(private readonly unit: 'line' | 'entry' = 'line') {}

  private readonly byReason = new Map<string, { count: number; places: string[] }>();
  private readonly byMethod = new Map<string, number>();

  /** A line (1-based number) or a JSON entry (key path) skipped because its shape is not one the format defines. */
  shape(reason: string, where: number | string): void {
    let entry = this.byReason.get(reason);
    if (!entry) this.byReason.set(reason, (entry = { count: 0, places: [] }));
    entry.count++;
    if (entry.places.length < LINES_LISTED)
      entry.places.push(typeof where === 'number' ? `line ${where}` : where);
  }

  /** A well-formed line of a method the importer does not read. */
  unknownMethod(method: string): void {
    this.byMethod.set(method, (this.byMethod.get(method) ?? 0) + 1);
  }

  /** Lines skipped for their shape (unknown methods are not counted: they are well-formed). */
  get malformed(): number {
    let n = 0;
    for (const { count } of this.byReason.values()) n += count;
    return n;
  }

  /** One warning per reason, and one for all unknown methods. */
  warnings(): string[] {
    const out: string[] = [];
    for (const [reason, { count, places }] of this.byReason) {
      out.push(
        `${count} ${this.unit}${count > 1 ? 's' : ''} skipped: ${reason} (${places.join(', ')}${count > places.length ? ', ...' : ''})`,
      );
    }
    if (this.byMethod.size > 0) {
      const total = [...this.byMethod.values()].reduce((a, b) => a + b, 0);
      const listed = [...this.byMethod]
        .sort((a, b) => b[1] - a[1])
        .slice(0, METHODS_LISTED)
        .map(([m, n]) => `${m} x${n}`);
      const more =
        this.byMethod.size > METHODS_LISTED
          ? `, and ${this.byMethod.size - METHODS_LISTED} more`
          : '';
      out.push(
        `${total} line${total > 1 ? 's' : ''} of methods this importer does not read were skipped: ${listed.join(', ')}${more}`,
      );
    }
    return out;
  }
}

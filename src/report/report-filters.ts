/**
 * The `filters` query parameter of the peer report: which sections to return.
 * Accepts `a,b` (comma-separated, spaces tolerated) and the repeated
 * `filters=a&filters=b` form. No filter means the full report.
 */
import { InvalidInput } from '../util/invalid-input.ts';

/** The five documented filter values. */
export const REPORT_FILTERS = [
  'device_info',
  'ip_information',
  'precall_network_information',
  'events',
  'quality_stats',
] as const;

/** One filter value. */
export type ReportFilter = (typeof REPORT_FILTERS)[number];

/** Parses raw query values into a set of sections; throws {@link InvalidInput} naming an unknown value. */
export function parseReportFilters(raw: readonly string[]): Set<ReportFilter> {
  const values = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length === 0) return new Set(REPORT_FILTERS);
  const out = new Set<ReportFilter>();
  for (const v of values) {
    if (!(REPORT_FILTERS as readonly string[]).includes(v)) {
      throw new InvalidInput(
        'filters',
        `unknown filter '${v}'; expected a comma-separated list of ${REPORT_FILTERS.join(', ')}`,
      );
    }
    out.add(v as ReportFilter);
  }
  return out;
}

/** Parses a boolean query parameter (`true`/`false`/`1`/`0`); throws {@link InvalidInput} naming it. */
export function parseBooleanParam(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidInput(name, `expected true or false, got '${value}'`);
}

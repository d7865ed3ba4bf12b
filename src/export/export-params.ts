/**
 * The export's parameters, checked the same way for the API route and the CLI
 * (pure): `since` (inclusive) and `until` (exclusive) bound the peers' finished
 * time, as ISO 8601 date-times; `format` (`ndjson`, the default, or `csv`);
 * `cursor` (a row's `cursor`: continue after that row); `limit` (at most this
 * many rows, then stop; default: all).
 */
import { EXPORT_FORMATS, type ExportFormat } from './export-format.ts';
import { decodeCursor, type ExportCursor } from './export-cursor.ts';

/** A bad parameter, naming it. */
export class ExportParamError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportParamError';
  }
}

/** Checked parameters. */
export interface ExportParams {
  since: number;
  until: number;
  format: ExportFormat;
  after?: ExportCursor;
  limit?: number;
}

/** Largest `limit`. */
export const MAX_EXPORT_LIMIT = 100_000_000;

const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function time(name: string, raw: string | undefined): number {
  if (raw === undefined || raw === '')
    throw new ExportParamError(name, 'required (an ISO 8601 date-time, e.g. 2026-11-30T00:00:00Z)');
  const t = ISO_DATE_TIME.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(t))
    throw new ExportParamError(
      name,
      `expected an ISO 8601 date-time (e.g. 2026-11-30T00:00:00Z), got '${raw}'`,
    );
  return t;
}

/** Reads and checks the parameters; `get` returns a parameter's raw value. */
export function parseExportParams(get: (name: string) => string | undefined): ExportParams {
  const since = time('since', get('since'));
  const until = time('until', get('until'));
  if (until <= since)
    throw new ExportParamError(
      'until',
      `must be after since (${new Date(since).toISOString()}), got '${get('until')}'`,
    );
  const rawFormat = get('format');
  let format: ExportFormat = 'ndjson';
  if (rawFormat !== undefined && rawFormat !== '') {
    const hit = EXPORT_FORMATS.find((f) => f === rawFormat.toLowerCase());
    if (!hit)
      throw new ExportParamError(
        'format',
        `expected one of ${EXPORT_FORMATS.join(', ')}, got '${rawFormat}'`,
      );
    format = hit;
  }
  const params: ExportParams = { since, until, format };
  const rawCursor = get('cursor');
  if (rawCursor !== undefined && rawCursor !== '') {
    const after = decodeCursor(rawCursor);
    if (!after)
      throw new ExportParamError(
        'cursor',
        `not a cursor of this export (pass a row's cursor value as it is), got '${rawCursor.slice(0, 80)}'`,
      );
    params.after = after;
  }
  const rawLimit = get('limit');
  if (rawLimit !== undefined && rawLimit !== '') {
    const limit = /^\d{1,9}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_EXPORT_LIMIT))
      throw new ExportParamError(
        'limit',
        `expected an integer from 1 to ${MAX_EXPORT_LIMIT}, got '${rawLimit}'`,
      );
    params.limit = limit;
  }
  return params;
}

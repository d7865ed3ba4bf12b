/**
 * Text encodings of export rows (pure): CSV per RFC 4180 (a header row, CRLF
 * line ends, a field quoted when it holds a comma, a double quote, CR or LF,
 * with inner quotes doubled; `null` as an empty field; booleans `true` /
 * `false`; a list as its JSON text) and NDJSON (one JSON object per line, LF).
 */
import { EXPORT_COLUMNS, type ExportRow, type ExportValue } from './export-row.ts';

/** The export formats. */
export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Content type of each format. */
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field. */
export function csvField(v: ExportValue): string {
  if (v === null) return '';
  const s = Array.isArray(v) ? JSON.stringify(v) : String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The CSV header line. */
export function csvHeader(): string {
  return `${EXPORT_COLUMNS.map(csvField).join(',')}\r\n`;
}

/** One CSV record. */
export function csvLine(row: ExportRow): string {
  let line = '';
  for (let i = 0; i < EXPORT_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    line += csvField(row[EXPORT_COLUMNS[i]] ?? null);
  }
  return `${line}\r\n`;
}

/** One NDJSON line (keys in column order). */
export function ndjsonLine(row: ExportRow): string {
  return `${JSON.stringify(row)}\n`;
}

/** The text of a page of rows in `format` (the CSV header goes before the first page: {@link csvHeader}). */
export function encodeRows(rows: readonly ExportRow[], format: ExportFormat): string {
  let out = '';
  for (const row of rows) out += format === 'csv' ? csvLine(row) : ndjsonLine(row);
  return out;
}

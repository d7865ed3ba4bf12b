/**
 * The export's resumption cursor (pure): a row's sort key (finished time,
 * then peer id), opaque to clients (base64url of `v1:<left_at>:<peer_id>`).
 */
import { isUuid } from '../util/uuid.ts';

/** A position in the export order: after this row. */
export interface ExportCursor {
  leftAt: number;
  peerId: string;
}

/** The cursor string of a row. */
export function encodeCursor(c: ExportCursor): string {
  return Buffer.from(`v1:${c.leftAt}:${c.peerId}`, 'utf8').toString('base64url');
}

/** The position a cursor string names, or undefined when it is not one of ours. */
export function decodeCursor(text: string): ExportCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const m = /^v1:(\d{1,16}):([0-9a-fA-F-]{36})$/.exec(
    Buffer.from(text, 'base64url').toString('utf8'),
  );
  if (!m || !isUuid(m[2])) return undefined;
  const leftAt = Number(m[1]);
  return Number.isSafeInteger(leftAt) ? { leftAt, peerId: m[2] } : undefined;
}

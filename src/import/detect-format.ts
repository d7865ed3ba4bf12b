/**
 * Recognises a dump format from its content (never from the file name). Pure.
 *
 * - `RTCStatsDump` on line 1: rtcstats v3.
 * - a first line that is a complete JSON array `[string, string | null, ...]`: rtcstats line dump (any arity).
 * - otherwise a JSON document: webrtc-internals (`PeerConnections` + `getUserMedia`/`UserAgent`),
 *   or a getStats() snapshot (`[[id, stat], ...]`, `[stat, ...]`, `{id: stat}`); see {@link classifyJsonDocument}.
 */
import { DumpFormatError } from './dump-format-error.ts';

/** What the first line says. `json-document` needs the whole document to decide. */
export type FirstLineVerdict = 'rtcstats-v3' | 'rtcstats-lines' | 'json-document';

/** Classifies a dump by its first non-empty line (BOM stripped by the caller). */
export function detectFromFirstLine(firstLine: string): FirstLineVerdict {
  const line = firstLine.trim();
  if (line === 'RTCStatsDump') return 'rtcstats-v3';
  if (line.startsWith('[')) {
    try {
      const entry: unknown = JSON.parse(line);
      // `[method, pcId | null, ...]` on one line; its arity is the line parser's business (odd lines are skipped there).
      if (
        Array.isArray(entry) &&
        entry.length >= 2 &&
        typeof entry[0] === 'string' &&
        (entry[1] === null || typeof entry[1] === 'string')
      ) {
        return 'rtcstats-lines';
      }
    } catch {
      // A multi-line JSON array: a getStats() snapshot.
    }
    return 'json-document';
  }
  if (line.startsWith('{')) return 'json-document';
  const preview = JSON.stringify(line.slice(0, 40));
  throw new DumpFormatError(
    `unsupported file: not a webrtc-internals dump, rtcstats dump or getStats() snapshot (starts with ${preview})`,
    { line: 1 },
  );
}

/** The kind of a parsed JSON document. */
export type JsonDocumentKind = 'webrtc-internals' | 'getstats-snapshot';

function looksLikeStat(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Decides what a JSON document is, or throws a {@link DumpFormatError} naming the key that is wrong. */
export function classifyJsonDocument(doc: unknown): JsonDocumentKind {
  if (Array.isArray(doc)) {
    if (doc.length === 0)
      throw new DumpFormatError('getStats() snapshot is an empty array', { key: '[]' });
    const first: unknown = doc[0];
    if (Array.isArray(first) && typeof first[0] === 'string' && looksLikeStat(first[1]))
      return 'getstats-snapshot';
    if (looksLikeStat(first)) return 'getstats-snapshot';
    throw new DumpFormatError(
      'unsupported JSON array: expected getStats() stats as [[id, stat], ...] or [stat, ...]',
      { key: '[0]' },
    );
  }
  if (typeof doc !== 'object' || doc === null)
    throw new DumpFormatError('unsupported JSON value: expected an object or an array', {
      key: '$',
    });
  const obj = doc as Record<string, unknown>;
  if (
    'peerConnections' in obj &&
    Array.isArray(Object.values((obj.peerConnections ?? {}) as object)[0])
  ) {
    throw new DumpFormatError(
      'unsupported format: this is the 2016 rtcstats client format (per-PC arrays of {time, type, value}); export a webrtc-internals dump or an rtcstats line dump instead',
      { key: 'peerConnections' },
    );
  }
  if ('PeerConnections' in obj) {
    if (
      typeof obj.PeerConnections !== 'object' ||
      obj.PeerConnections === null ||
      Array.isArray(obj.PeerConnections)
    ) {
      throw new DumpFormatError('webrtc-internals dump: PeerConnections must be an object', {
        key: 'PeerConnections',
      });
    }
    return 'webrtc-internals';
  }
  const values = Object.values(obj);
  if (values.length > 0 && values.every(looksLikeStat)) return 'getstats-snapshot';
  const keys = Object.keys(obj).slice(0, 5).join(', ');
  throw new DumpFormatError(
    `unsupported JSON document: no PeerConnections key and not a getStats() snapshot (keys: ${keys || 'none'})`,
    { key: '$' },
  );
}

/**
 * The one error type of the dump parsers: names the problem and where it is
 * (1-based line for line formats, JSON key path for documents).
 */
export class DumpFormatError extends Error {
  override readonly name: string = 'DumpFormatError';
  /** 1-based line number, for line-oriented formats. */
  readonly line?: number;
  /** JSON key path (e.g. `PeerConnections.8-1.stats.OT01-bytesSent`), for JSON documents. */
  readonly key?: string;

  constructor(message: string, where: { line?: number; key?: string } = {}) {
    const place =
      where.line !== undefined
        ? ` (line ${where.line})`
        : where.key !== undefined
          ? ` (key ${where.key})`
          : '';
    super(`${message}${place}`);
    if (where.line !== undefined) this.line = where.line;
    if (where.key !== undefined) this.key = where.key;
  }
}

/**
 * Entry point of the parsing layer: opens a dump (gzip or not), detects its
 * format from the content, and hands it to the matching parser. Line formats
 * are streamed; JSON documents (webrtc-internals, snapshots) are read as one
 * string, parsed, and the string released.
 */
import { classifyJsonDocument, detectFromFirstLine } from './detect-format.ts';
import { DumpFormatError } from './dump-format-error.ts';
import { DumpCompressionError } from './dump-compression-error.ts';
import {
  collectRest,
  openDumpText,
  verifyCompressedRest,
  type DumpInput,
  type OpenDumpOptions,
} from './dump-source.ts';
import { parseGetStatsSnapshot } from './getstats-snapshot.ts';
import type { ParsedDump } from './parsed-dump.ts';
import { RtcstatsLineParser } from './rtcstats-lines.ts';
import { RtcstatsV3Parser } from './rtcstats-v3.ts';
import { parseWebrtcInternals } from './webrtc-internals.ts';

/**
 * Parses a dump file, stream or buffer into recorded clients.
 * Throws {@link DumpFormatError} for unsupported or corrupt content and
 * `DumpTooLargeError` when a size limit is exceeded.
 */
export async function parseDump(
  input: DumpInput,
  options: OpenDumpOptions = {},
): Promise<ParsedDump & { gzipped: boolean }> {
  const text = await openDumpText(input, options);
  try {
    let lineNo = 0;
    let first: string | undefined;
    for (;;) {
      const next = await text.lines.next();
      if (next.done) break;
      lineNo++;
      const line = lineNo === 1 ? next.value.replace(/^\uFEFF/, '') : next.value;
      if (line.trim() !== '') {
        first = line;
        break;
      }
    }
    if (first === undefined) throw new DumpFormatError('the file is empty', { line: 1 });
    const verdict = detectFromFirstLine(first);
    if (verdict === 'json-document') {
      const source = await collectRest(first, text.lines);
      let doc: unknown;
      try {
        doc = JSON.parse(source);
      } catch (err) {
        throw new DumpFormatError(
          `the JSON document is truncated or corrupt (${(err as Error).message})`,
          { key: '$' },
        );
      }
      const kind = classifyJsonDocument(doc);
      const parsed =
        kind === 'webrtc-internals'
          ? parseWebrtcInternals(doc as Record<string, unknown>)
          : parseGetStatsSnapshot(doc);
      return { ...parsed, gzipped: text.gzipped };
    }
    const parser = verdict === 'rtcstats-v3' ? new RtcstatsV3Parser() : new RtcstatsLineParser();
    parser.consume(first, lineNo);
    for await (const line of text.lines) parser.consume(line, ++lineNo);
    return { ...parser.finish(), gzipped: text.gzipped };
  } catch (err) {
    // Damaged gzip bytes may decompress into garbage before the gzip check fails: say so, not "invalid JSON".
    if (err instanceof DumpFormatError && !(err instanceof DumpCompressionError))
      await verifyCompressedRest(text);
    throw err;
  } finally {
    text.close();
  }
}

/**
 * Parser of rtcstats line dumps written by the jitsi/fippo rtcstats clients:
 * one JSON array per line, `[method, pcId | null, value, timestampMs(, seq)]`.
 * Standard stats and Chrome legacy (`goog*`) stats are both handled; legacy
 * reports are converted to standard shapes before normalisation.
 */
import type { RawStat } from '../normalize/types.ts';
import { DumpFormatError } from './dump-format-error.ts';
import { convertLegacyGoogStats, isLegacyGoogStats } from './legacy-goog-stats.ts';
import type { ParsedDump } from './parsed-dump.ts';
import { RecordingBuilder } from './recording-builder.ts';
import { RtcstatsDeltaState } from './rtcstats-delta.ts';
import { isKnownTraceMethod } from './api-trace.ts';
import { SkippedLines } from './skipped-lines.ts';

const CLIENT = 'rtcstats';
const DAY_MS = 24 * 3600 * 1000;

/** Incremental parser: feed lines with {@link consume}, then call {@link finish}. */
export class RtcstatsLineParser {
  private readonly builder = new RecordingBuilder();
  private readonly deltas = new Map<string, RtcstatsDeltaState>();
  private legacy = false;
  private connectionInfoTs?: number;
  private firstEventTs?: number;
  private lastEventTs?: number;
  private lines = 0;
  private readonly skipped = new SkippedLines();

  /** Parses one line (1-based `lineNo` for error messages). */
  consume(line: string, lineNo: number): void {
    if (line.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (err) {
      // Corrupt bytes, not an unexpected record: the file itself is damaged.
      throw new DumpFormatError(
        `rtcstats dump: line is not valid JSON (${(err as Error).message})`,
        { line: lineNo },
      );
    }
    // Lines of other shapes (other writers, newer clients: `["e2eRtt", null, {...}]` without a
    // timestamp) are skipped and counted, as jitsi's extractor does; see finish() for "nothing usable".
    if (!Array.isArray(entry)) {
      this.skipped.shape('not a JSON array [method, pcId, value, timestamp]', lineNo);
      return;
    }
    if (entry.length < 4) {
      this.skipped.shape(
        `${entry.length} elements instead of [method, pcId, value, timestamp]`,
        lineNo,
      );
      return;
    }
    const [method, pcId, value, ts] = entry as [unknown, unknown, unknown, unknown];
    if (
      typeof method !== 'string' ||
      (pcId !== null && typeof pcId !== 'string') ||
      typeof ts !== 'number' ||
      !Number.isFinite(ts)
    ) {
      this.skipped.shape(
        'expected [method: string, pcId: string | null, value, timestamp: number]',
        lineNo,
      );
      return;
    }
    if (!isKnownTraceMethod(method)) {
      this.skipped.unknownMethod(method);
      return;
    }
    this.lines++;
    if (method === 'connectionInfo') {
      this.connectionInfo(value, ts);
      return;
    }
    if (pcId !== null || method.startsWith('navigator.')) {
      this.firstEventTs = Math.min(this.firstEventTs ?? ts, ts);
      this.lastEventTs = Math.max(this.lastEventTs ?? ts, ts);
    }
    if (method === 'getstats' || method === 'getStats') {
      if (pcId === null) return;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        this.skipped.shape('getstats value that is not an object of stats', lineNo);
        return;
      }
      this.getstats(pcId, value as Record<string, unknown>, ts);
      return;
    }
    if (method === 'create' && pcId !== null) this.builder.pcCreated(CLIENT, pcId, ts);
    this.builder.trace(CLIENT, pcId, method, value, ts);
  }

  private connectionInfo(value: unknown, ts: number): void {
    const info = (typeof value === 'string' ? safeJson(value) : value) as Record<
      string,
      unknown
    > | null;
    if (!info || typeof info !== 'object') return;
    this.connectionInfoTs = ts;
    this.builder.describeClient(CLIENT, { userAgent: info.userAgent });
  }

  private getstats(pcId: string, value: Record<string, unknown>, lineTs: number): void {
    const top = value.timestamp;
    const reportTs = typeof top === 'number' && top > 0 ? top : lineTs;
    let state = this.deltas.get(pcId);
    if (!state) this.deltas.set(pcId, (state = new RtcstatsDeltaState()));
    let stats: RawStat[] = state.apply(value, reportTs);
    if (isLegacyGoogStats(stats)) {
      this.legacy = true;
      stats = convertLegacyGoogStats(stats);
    }
    this.builder.stats(CLIENT, pcId, reportTs, stats);
  }

  /** The parsed dump. */
  finish(): ParsedDump {
    if (this.lines === 0 || this.builder.isEmpty()) {
      const skipped = this.skipped.warnings();
      throw new DumpFormatError(
        `rtcstats dump: the file holds no usable records${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`,
        { line: 1 },
      );
    }
    if (this.connectionInfoTs !== undefined && this.firstEventTs !== undefined) {
      const days = Math.abs(this.connectionInfoTs - this.firstEventTs) / DAY_MS;
      if (days > 1) {
        this.builder.note(
          CLIENT,
          `the connectionInfo line is dated ${new Date(this.connectionInfoTs).toISOString()}, ${Math.round(days)} days away from the recorded events ` +
            `(${new Date(this.firstEventTs).toISOString()}); it was written later, so its user agent may not describe the recorded browser`,
        );
      }
    }
    const clients = this.builder.build();
    return {
      format: this.legacy ? 'rtcstats-legacy' : 'rtcstats',
      clients,
      warnings: [...this.skipped.warnings(), ...this.builder.warnings],
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

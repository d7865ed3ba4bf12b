/**
 * Parser of rtcstats v3 dumps (github.com/rtcstats/rtcstats): line 1
 * `RTCStatsDump`, line 2 a metadata object with `fileFormat`, then
 * `[method, pcId, value, ...extra, deltaMs]` where the last element is the
 * time since the previous line (since the epoch for the first), methods,
 * stats types and property names may be table-compressed, stats are
 * delta-compressed (a missing id is unchanged, `null` removes it) and SDP
 * sections identical to the previous description are abbreviated.
 */
import type { RawStat } from '../normalize/types.ts';
import { DumpFormatError } from './dump-format-error.ts';
import { isKnownTraceMethod } from './api-trace.ts';
import { SkippedLines } from './skipped-lines.ts';
import type { ParsedDump } from './parsed-dump.ts';
import { RecordingBuilder } from './recording-builder.ts';
import { V3_METHODS, V3_STATS_PROPERTIES, V3_STATS_TYPES } from './rtcstats-v3-tables.ts';

const CLIENT = 'rtcstats';

function decompressReport(delta: Record<string, unknown>): {
  ts?: number;
  stats: Map<string, Record<string, unknown> | null>;
} {
  const stats = new Map<string, Record<string, unknown> | null>();
  let ts: number | undefined;
  for (const [id, value] of Object.entries(delta)) {
    if (id === 't' || id === 'timestamp') {
      if (typeof value === 'number') ts = value;
      continue;
    }
    if (value === null) {
      stats.set(id, null);
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) continue;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const name = V3_STATS_PROPERTIES[key] ?? key;
      out[name] = name === 'type' ? (V3_STATS_TYPES[String(v)] ?? v) : v;
    }
    stats.set(id, out);
  }
  return ts === undefined ? { stats } : { ts, stats };
}

/** SDP of a (possibly abbreviated) description, restored against the previous one of the same type. */
function restoreSdp(
  previous: { type: string; sdp: string } | undefined,
  value: unknown,
): { type: string; sdp: string } | undefined {
  const d = value as { type?: unknown; sdp?: unknown } | null;
  if (!d || typeof d.type !== 'string' || typeof d.sdp !== 'string') return undefined;
  if (!previous || previous.type !== d.type) return { type: d.type, sdp: d.sdp };
  const split = (sdp: string): string[] =>
    sdp.split('\nm=').map((part, i) => (i > 0 ? `m=${part}` : part).trim());
  const base = split(previous.sdp);
  const sdp =
    split(d.sdp)
      .map((section, i) => (section === (i === 0 ? 'v=' : 'm=') ? (base[i] ?? section) : section))
      .join('\r\n')
      .trim() + '\r\n';
  return { type: d.type, sdp };
}

/** Incremental parser: line 1 and 2 are the header, then records. */
export class RtcstatsV3Parser {
  private readonly builder = new RecordingBuilder();
  private readonly base = new Map<string, Map<string, RawStat>>();
  private readonly descriptions = new Map<string, { type: string; sdp: string }>();
  private time = 0;
  private magic = false;
  private header = false;
  private readonly skipped = new SkippedLines();

  consume(line: string, lineNo: number): void {
    if (!this.magic) {
      this.magic = true; // "RTCStatsDump", checked by the format detection.
      return;
    }
    if (line.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch (err) {
      throw new DumpFormatError(
        `rtcstats v3 dump: line is not valid JSON (${(err as Error).message})`,
        { line: lineNo },
      );
    }
    if (!this.header) {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new DumpFormatError('rtcstats v3 dump: line 2 must be the metadata object', {
          line: lineNo,
        });
      }
      const meta = entry as Record<string, unknown>;
      if (typeof meta.fileFormat !== 'number')
        throw new DumpFormatError('rtcstats v3 dump: metadata lacks fileFormat', { line: lineNo });
      if (meta.fileFormat !== 3)
        throw new DumpFormatError(
          `rtcstats dump: fileFormat ${String(meta.fileFormat)} is not supported (only 3)`,
          { line: lineNo },
        );
      this.header = true;
      this.builder.describeClient(CLIENT, { userAgent: meta.userAgent });
      return;
    }
    if (!Array.isArray(entry)) return; // The format allows (and readers ignore) non-array lines.
    // Lines of other shapes are skipped and counted (see SkippedLines), never fatal on their own.
    if (entry.length < 4) {
      this.skipped.shape(
        `${entry.length} elements instead of [method, pcId, value, ..., deltaMs]`,
        lineNo,
      );
      return;
    }
    const delta = entry[entry.length - 1];
    if (typeof delta !== 'number' || !Number.isFinite(delta)) {
      this.skipped.shape('the last element is not the time delta in ms', lineNo);
      return;
    }
    this.time += delta;
    const method = V3_METHODS[String(entry[0])] ?? String(entry[0]);
    const pcId = entry[1];
    if (pcId !== null && typeof pcId !== 'string') {
      this.skipped.shape('pcId is neither a string nor null', lineNo);
      return;
    }
    const value = entry[2];
    if (!isKnownTraceMethod(method)) {
      this.skipped.unknownMethod(method);
      return;
    }
    if (pcId === null) {
      if (method === 'create') {
        // Client description: hardwareConcurrency, userAgentData, deviceMemory, screen.
        const v = (value ?? {}) as Record<string, unknown>;
        this.builder.describeClient(CLIENT, {
          userAgentData: v.userAgentData,
          hardwareConcurrency: v.hardwareConcurrency,
          deviceMemory: v.deviceMemory,
        });
        return;
      }
      if (method === 'close') return; // The websocket closing, not a PC.
      this.builder.trace(CLIENT, null, method, value, this.time);
      return;
    }
    if (method === 'getStats') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        this.skipped.shape('getStats value that is not an object', lineNo);
        return;
      }
      this.getStats(pcId, value as Record<string, unknown>);
      return;
    }
    if (
      method === 'setLocalDescription' ||
      method === 'setRemoteDescription' ||
      method === 'createOfferOnSuccess' ||
      method === 'createAnswerOnSuccess'
    ) {
      const key = `${pcId}|${method === 'setRemoteDescription' ? 'remote' : 'local'}`;
      const restored = restoreSdp(
        this.descriptions.get(key),
        Array.isArray(value) ? value[0] : value,
      );
      if (restored) {
        this.descriptions.set(key, restored);
        this.builder.trace(CLIENT, pcId, method, restored, this.time);
        return;
      }
    }
    if (method === 'create') this.builder.pcCreated(CLIENT, pcId, this.time);
    this.builder.trace(
      CLIENT,
      pcId,
      method,
      Array.isArray(value) && value.length === 1 ? value[0] : value,
      this.time,
    );
  }

  private getStats(pcId: string, value: Record<string, unknown>): void {
    const { ts, stats } = decompressReport(value);
    const reportTs = ts ?? this.time;
    let base = this.base.get(pcId);
    if (!base) this.base.set(pcId, (base = new Map()));
    for (const [id, fields] of stats) {
      if (fields === null) {
        base.delete(id);
        continue;
      }
      const previous = base.get(id);
      const merged: RawStat = previous ? { ...previous } : { id, type: '' };
      for (const [name, v] of Object.entries(fields)) {
        const old = merged[name];
        merged[name] =
          typeof v === 'object' &&
          v !== null &&
          !Array.isArray(v) &&
          typeof old === 'object' &&
          old !== null
            ? { ...(old as object), ...(v as object) }
            : v;
      }
      merged.id = id;
      if (typeof fields.timestamp !== 'number') merged.timestamp = reportTs;
      base.set(id, merged);
    }
    const report: RawStat[] = [];
    for (const [id, stat] of base) {
      if (!stats.has(id)) stat.timestamp = reportTs;
      if (stat.type) report.push(stat);
    }
    this.builder.stats(CLIENT, pcId, reportTs, report);
  }

  finish(): ParsedDump {
    if (!this.header)
      throw new DumpFormatError('rtcstats v3 dump: missing metadata line', { line: 2 });
    if (this.builder.isEmpty()) {
      const skipped = this.skipped.warnings();
      throw new DumpFormatError(
        `rtcstats v3 dump holds no usable records: nothing to import${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`,
        { line: 3 },
      );
    }
    const clients = this.builder.build();
    return {
      format: 'rtcstats-v3',
      clients,
      warnings: [...this.skipped.warnings(), ...this.builder.warnings],
    };
  }
}

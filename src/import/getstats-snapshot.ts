/**
 * Import of a single getStats() result serialised to JSON (`[[id, stat], ...]`,
 * `[stat, ...]` or `{id: stat}`): one instant of one RTCPeerConnection.
 */
import { listStats } from '../normalize/stat-index.ts';
import type { RawStat, RawStatsReport } from '../normalize/types.ts';
import { num } from '../normalize/values.ts';
import { DumpFormatError } from './dump-format-error.ts';
import type { ParsedDump } from './parsed-dump.ts';
import { RecordingBuilder } from './recording-builder.ts';

const CLIENT = 'snapshot';
const PC = 'pc-0';

/** Parses an already JSON-parsed snapshot. */
export function parseGetStatsSnapshot(doc: unknown): ParsedDump {
  const stats: RawStat[] = listStats(doc as RawStatsReport['stats']);
  if (stats.length === 0)
    throw new DumpFormatError('getStats() snapshot holds no stats', { key: '$' });
  const times = stats
    .map((s) => num(s.timestamp))
    .filter((t): t is number => t !== undefined && t > 0);
  if (times.length === 0)
    throw new DumpFormatError(
      'getStats() snapshot: no stat has a timestamp, so the time of the call is unknown',
      { key: '[0].timestamp' },
    );
  const ts = Math.max(...times);
  const builder = new RecordingBuilder();
  builder.stats(CLIENT, PC, ts, stats);
  builder.note(
    CLIENT,
    'a single getStats() snapshot: one instant only, so per-interval figures (bitrate, loss over time) cannot be derived; cumulative totals are imported',
  );
  return { format: 'getstats-snapshot', clients: builder.build(), warnings: builder.warnings };
}

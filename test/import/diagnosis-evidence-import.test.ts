/**
 * Imported dumps get the diagnosis evidence the dump has: a real webrtc-internals dump (Chromium
 * 156, two tabs) and a real rtcstats dump (Chrome 117 through meet.jit.si) give producer samples
 * with the bandwidth estimate of each instant and the encoder target, and consumer samples with
 * NACK, retransmission, FEC, freeze and concealment counters; the derived rows carry them per
 * interval with the connection id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDump } from '../../src/import/parse-dump.ts';
import { deriveInterval } from '../../src/analytics/stream-interval.ts';
import { streamKey, type StreamSample } from '../../src/model/telemetry.ts';
import { jitsi, ownFixture } from './fixture-paths.ts';

async function derivedRows(path: string): Promise<Record<string, unknown>[]> {
  const dump = await parseDump(path);
  const rows: Record<string, unknown>[] = [];
  for (const client of dump.clients) {
    const prev = new Map<string, StreamSample>();
    for (const s of client.batches.flatMap((b) => b.samples ?? []).sort((a, b) => a.ts - b.ts)) {
      rows.push({
        ...deriveInterval(prev.get(streamKey(s)), s).row,
        direction: s.direction,
        media: s.media,
      });
      prev.set(streamKey(s), s);
    }
  }
  return rows;
}

for (const [name, path] of [
  ['webrtc-internals (Chromium 156)', ownFixture('webrtc-internals/chromium-156-two-tabs.json.gz')],
  ['rtcstats (Chrome 117, SFU over TURN/TLS)', jitsi('chrome-relay').dump],
] as const) {
  test(`${name}: rows carry the connection, repair counters and bandwidth figures per interval`, async () => {
    const rows = await derivedRows(path);
    assert.ok(rows.length > 0, 'rows.length > 0');
    assert.ok(
      rows.every((r) => typeof r.pc_id === 'string' && r.pc_id !== ''),
      'every row names its connection',
    );
    const videoOut = rows.filter((r) => r.direction === 'producer' && r.media === 'video');
    const estimates = videoOut
      .map((r) => r.available_outgoing_bitrate_kbps)
      .filter((v): v is number => typeof v === 'number');
    assert.ok(
      estimates.length >= videoOut.length / 2,
      `bandwidth estimate on producer rows (${estimates.length} of ${videoOut.length})`,
    );
    assert.ok(new Set(estimates).size > 1, 'a value per interval, not one last value');
    assert.ok(
      videoOut.some(
        (r) => typeof r.target_bitrate_kbps === 'number' && (r.target_bitrate_kbps as number) > 0,
      ),
    );
    assert.ok(
      videoOut.some((r) => typeof r.nack_count === 'number'),
      "videoOut.some((r) => typeof r.nack_count === 'number')",
    );
    const videoIn = rows.filter((r) => r.direction === 'consumer' && r.media === 'video');
    assert.ok(
      videoIn.some(
        (r) =>
          typeof r.freeze_count === 'number' &&
          typeof r.nack_count === 'number' &&
          typeof r.retransmitted_packets === 'number',
      ),
    );
    // Concealment is a share of the samples received: only where audio flowed (nobody spoke in the jitsi call).
    const audioIn = rows.filter(
      (r) =>
        r.direction === 'consumer' && r.media === 'audio' && (r.packets_received as number) > 0,
    );
    const concealed = audioIn
      .map((r) => r.concealed_samples_pct)
      .filter((v): v is number => typeof v === 'number');
    assert.equal(concealed.length, audioIn.length);
    assert.ok(
      concealed.every((v) => v >= 0 && v <= 100),
      'concealed.every((v) => v >= 0 && v <= 100)',
    );
    for (const r of rows) {
      for (const key of [
        'nack_count',
        'pli_count',
        'fir_count',
        'retransmitted_packets',
        'retransmitted_bytes',
        'fec_packets_received',
        'freeze_count',
        'freeze_duration_ms',
        'packets_lost',
      ]) {
        if (r[key] !== undefined) assert.ok((r[key] as number) >= 0, `${key} = ${r[key]}`);
      }
    }
  });
}

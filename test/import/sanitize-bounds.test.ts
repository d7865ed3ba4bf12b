/**
 * A recorded dump is taken as it is (issue 11): text no store keeps is
 * replaced by U+FFFD and figures beyond their physical bounds are dropped, so
 * the batches the importer builds always pass the ingest schema that live
 * ingest enforces (which refuses the same values with a 400).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sanitizeCandidatePair,
  sanitizeStreamSample,
} from '../../src/import/sanitize-telemetry.ts';
import { streamSampleSchema, telemetryBatchSchema } from '../../src/ingest/ingest-schemas.ts';
import type { CandidatePairSample, StreamSample } from '../../src/model/telemetry.ts';

const ts = Date.UTC(2026, 0, 1);

test('out-of-bound figures are dropped and unstorable text replaced; the sample then passes the ingest schema', () => {
  const sample = {
    ts,
    pc: 'pc\u00001',
    direction: 'consumer',
    media: 'video',
    ssrc: 5,
    codec: 'video/VP8\ud800',
    rtt_ms: 1e308,
    jitter_ms: 61_000,
    bytes: 2 ** 60,
    packets: 100,
    frames_per_second: 30,
    frame_width: 1e9,
    audio_level: 3,
    decoder_implementation: 'x'.repeat(255) + '\ud83d\ude00',
  } as unknown as StreamSample;
  assert.equal(streamSampleSchema.safeParse(sample).success, false);
  const dropped = sanitizeStreamSample(sample);
  assert.equal(dropped, 5);
  assert.equal(sample.pc, 'pc\uFFFD1');
  assert.equal(sample.codec, 'video/VP8\uFFFD');
  assert.equal(
    sample.decoder_implementation,
    `${'x'.repeat(255)}\uFFFD`,
    'a pair cut in half by the length limit is replaced too',
  );
  assert.equal(sample.packets, 100);
  assert.equal(sample.frames_per_second, 30);
  const checked = streamSampleSchema.safeParse(sample);
  assert.ok(checked.success, JSON.stringify(checked.error?.issues));
});

test('candidate pairs too', () => {
  const pair = {
    ts,
    pc: 'pc',
    id: 'p\u0000',
    current_rtt_ms: 1e308,
    bytes_sent: 10,
    local: { address: '10.0.0.1\u0000', port: 5 },
  } as unknown as CandidatePairSample;
  sanitizeCandidatePair(pair);
  assert.equal(pair.current_rtt_ms, undefined);
  assert.equal(pair.local?.address, '10.0.0.1\uFFFD');
  const checked = telemetryBatchSchema.safeParse({
    batch_id: 'import-bounds',
    candidate_pairs: [pair],
  });
  assert.ok(checked.success, JSON.stringify(checked.error?.issues));
});

/**
 * The rtcstats v3 reader on real standard stats: a jitsi recording is written
 * in the v3 format (tables, v3 delta compression, time deltas; see
 * v3-encoder.ts) and must give exactly the figures of the original dump.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDump } from '../../src/import/parse-dump.ts';
import { RtcstatsDeltaState } from '../../src/import/rtcstats-delta.ts';
import type { RawStat } from '../../src/normalize/types.ts';
import { jitsi, realdata } from './fixture-paths.ts';
import { encodeRtcstatsV3, type RecordingEvent } from './v3-encoder.ts';

function decodedRecording(file: string): { userAgent: string; events: RecordingEvent[] } {
  const states = new Map<string, RtcstatsDeltaState>();
  const events: RecordingEvent[] = [];
  let userAgent = '';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [method, pc, value, ts] = JSON.parse(line) as [string, string | null, unknown, number];
    if (method === 'connectionInfo') {
      userAgent = (value as { userAgent: string }).userAgent;
      continue;
    }
    if (method === 'getstats' && pc) {
      let state = states.get(pc);
      if (!state) states.set(pc, (state = new RtcstatsDeltaState()));
      const v = value as Record<string, unknown>;
      // Copies: the delta state is live and changes with the next line.
      const report = structuredClone(state.apply(v, v.timestamp as number)) as RawStat[];
      events.push(['getStats', pc, report, ts]);
      continue;
    }
    events.push([method, pc, value, ts]);
  }
  return { userAgent, events };
}

for (const name of ['google-standard-stats-p2p', 'chrome-standard-multiple-p2p', 'chrome-relay']) {
  test(`a v3 re-encoding of ${name} gives the same samples, pairs and events`, async () => {
    const { dump } = jitsi(name);
    const { userAgent, events } = decodedRecording(dump);
    const v3 = encodeRtcstatsV3({ userAgent }, events);
    assert.ok(v3.startsWith('RTCStatsDump\n'), 'magic line');
    const original = await parseDump(dump);
    const reencoded = await parseDump(Buffer.from(v3));
    assert.equal(reencoded.format, 'rtcstats-v3');
    const [a] = original.clients;
    const [b] = reencoded.clients;
    assert.equal(b.client.user_agent, userAgent);
    assert.deepEqual(b.pcs, a.pcs);
    const samples = (c: typeof a) => c.batches.flatMap((x) => x.samples ?? []);
    assert.ok(samples(a).length > 50, 'a real amount of samples');
    assert.deepEqual(samples(b), samples(a));
    const pairs = (c: typeof a) => c.batches.flatMap((x) => x.candidate_pairs ?? []);
    assert.deepEqual(pairs(b), pairs(a));
    const eventsOf = (c: typeof a) => c.batches.flatMap((x) => x.events ?? []);
    assert.deepEqual(eventsOf(b), eventsOf(a));
  });
}

test('rtcstats v3: lines of other shapes or unknown methods are skipped and counted, not fatal', async () => {
  const lines = readFileSync(realdata('rtcstats-rtcstats/gumonly.jsonl'), 'utf8')
    .trimEnd()
    .split('\n');
  const before = await parseDump(Buffer.from(lines.join('\n')));
  const odd = [
    '[60, null]',
    '[60, null, {"audio": true}, "soon"]',
    '[60, 7, {}, 0]',
    '["e2eRtt", null, {"rtt": 1}, 0]',
  ];
  const withOdd = [...lines.slice(0, 3), ...odd, ...lines.slice(3)];
  const parsed = await parseDump(Buffer.from(withOdd.join('\n')));
  assert.deepEqual(
    parsed.clients.map((c) => c.batches),
    before.clients.map((c) => c.batches),
    'the rest imports as before',
  );
  const warned = parsed.warnings.join('\n');
  for (const line of [4, 5, 6]) assert.match(warned, new RegExp(`line ${line}\\b`), warned);
  assert.match(warned, /e2eRtt x1/);
});

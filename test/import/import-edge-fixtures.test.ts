/**
 * Issue 12's import defects, on the hand-built fixtures of
 * test/fixtures/import-edge/ (scripts/make-import-edge-fixtures.ts): odd
 * rtcstats lines are skipped and counted; counters absent from a stream's
 * first report count from zero; an SSRC switching camera -> screen -> camera
 * is charted in each series for its time there. Expected figures are read
 * from the fixture files, never typed in.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { interpretTrace } from '../../src/import/api-trace.ts';
import { DumpFormatError } from '../../src/import/dump-format-error.ts';
import { importDump } from '../../src/import/import-dump.ts';
import { parseDump } from '../../src/import/parse-dump.ts';
import { deriveStreamChunks, type KnownState } from '../../src/ingest/derive-stream-chunks.ts';
import type { StreamSample } from '../../src/model/telemetry.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ownFixture } from './fixture-paths.ts';
import { readReport, totalsBySsrc, type ImportedReport } from './report-helpers.ts';

const edge = (name: string): string => ownFixture(`import-edge/${name}`);

/** Raw lines of an rtcstats fixture, parsed where they parse. */
function rawLines(name: string): unknown[] {
  return readFileSync(edge(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** The last value of a field of each RTP stat (by ssrc) in the getstats lines of a fixture. */
function lastCounters(name: string, field: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of rawLines(name)) {
    if (!Array.isArray(entry) || entry[0] !== 'getstats' || typeof entry[2] !== 'object') continue;
    for (const stat of Object.values(entry[2] as Record<string, Record<string, unknown>>)) {
      if (
        typeof stat === 'object' &&
        stat !== null &&
        typeof stat.ssrc === 'number' &&
        typeof stat[field] === 'number'
      )
        out.set(stat.ssrc, stat[field] as number);
    }
  }
  return out;
}

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

async function importAndRead(name: string): Promise<ImportedReport> {
  const result = await importDump(t.server.context, edge(name), {
    accountId: t.accountId,
    appId: t.appId,
    title: name,
  });
  assert.equal(result.peers.length, 1);
  return readReport(t, result.peers[0]!.peer_id);
}

describe('1. rtcstats lines of other shapes or unknown methods', () => {
  const name = 'rtcstats-odd-lines.jsonl';

  test('are skipped and counted in the warnings; the rest imports', async () => {
    const lines = readFileSync(edge(name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const odd = lines
      .map((l, i) => ({ entry: JSON.parse(l) as unknown, line: i + 1 }))
      .filter(
        ({ entry }) =>
          !Array.isArray(entry) ||
          entry.length < 4 ||
          typeof entry[0] !== 'string' ||
          typeof entry[3] !== 'number' ||
          (entry[0] === 'getstats' && typeof entry[2] !== 'object'),
      );
    assert.ok(odd.length >= 6, 'the fixture holds odd lines');
    const parsed = await parseDump(edge(name));
    assert.equal(parsed.format, 'rtcstats');
    const warned = parsed.warnings.join('\n');
    for (const { line } of odd)
      assert.match(warned, new RegExp(`\\b${line}\\b`), `line ${line} is named in the warnings`);
    const skippedCount = parsed.warnings
      .map((w) => /^(\d+) lines? skipped/.exec(w)?.[1])
      .filter(Boolean)
      .reduce((a, n) => a + Number(n), 0);
    assert.equal(skippedCount, odd.length);
    assert.match(warned, /dominantSpeaker x1/);
    const samples = parsed.clients[0]!.batches.flatMap((b) => b.samples ?? []);
    const getstats = rawLines(name).filter(
      (e) =>
        Array.isArray(e) &&
        e[0] === 'getstats' &&
        typeof e[2] === 'object' &&
        typeof e[3] === 'number',
    );
    assert.equal(
      new Set(samples.map((s) => s.ts)).size,
      getstats.length,
      'every well-formed stats report imported',
    );
  });

  test('the import answers with the same warnings through the store', async () => {
    const result = await importDump(t.server.context, edge(name), {
      accountId: t.accountId,
      appId: t.appId,
    });
    assert.ok(
      result.warnings.some((w) => /line 7\b/.test(w) && /not a JSON array/.test(w)),
      result.warnings.join('\n'),
    );
  });

  test('nothing usable left: refused, naming what was skipped', async () => {
    const only = [
      '["e2eRtt", null, {"rtt": 42}]',
      '{"x": 1}',
      '["dominantSpeaker", null, {}, 1700000000000]',
    ].join('\n');
    await assert.rejects(
      parseDump(Buffer.from(only)),
      (err: unknown) =>
        err instanceof DumpFormatError &&
        /no usable records/.test(err.message) &&
        /e2eRtt|3 elements/.test(err.message),
    );
  });
});

test('1, webrtc-internals too: updateLog entries of other shapes are skipped and counted', async () => {
  const doc = JSON.parse(
    gunzipSync(readFileSync(edge('webrtc-internals-chrome86-en-gb-day-first.json.gz'))).toString(
      'utf8',
    ),
  ) as { PeerConnections: Record<string, { updateLog: unknown[] }> };
  const [key, pc] = Object.entries(doc.PeerConnections)[0]!;
  const good = pc.updateLog.length;
  pc.updateLog.push(
    'not an object',
    { time: '08/11/2020, 10:58:50', value: 'no type' },
    { type: 'iceConnectionStateChange', value: 'checking' },
  );
  const parsed = await parseDump(Buffer.from(JSON.stringify(doc)));
  const warned = parsed.warnings.join('\n');
  for (const i of [good, good + 1, good + 2])
    assert.ok(
      warned.includes(`PeerConnections.${key}.updateLog[${i}]`),
      `entry ${i} named: ${warned}`,
    );
  assert.ok(
    parsed.clients[0]!.batches.some((b) => (b.samples ?? []).length > 0),
    'parsed.clients[0]!.batches.some((b) => (b.samples ?? []).length > 0)',
  );
});

describe("4. a counter absent from a stream's first report", () => {
  const name = 'rtcstats-firefox97-late-counters.jsonl';

  test('counts from zero when it appears (every counter, both directions); a stream first seen mid-recording keeps the first-sample rule', async () => {
    const report = await importAndRead(name);
    const totals = totalsBySsrc(report);
    const sent = lastCounters(name, 'packetsSent');
    const received = lastCounters(name, 'packetsReceived');
    assert.equal(
      totals.get('producer|1111')?.packets,
      sent.get(1111),
      'audio sent: the late packetsSent counts from zero',
    );
    assert.equal(
      totals.get('consumer|3333')?.packets,
      received.get(3333),
      'audio received: the late packetsReceived counts from zero',
    );
    assert.equal(
      totals.get('consumer|3333')?.lost,
      lastCounters(name, 'packetsLost').get(3333),
      'late packetsLost counts from zero',
    );
    const sumOf = (series: string, field: string, ssrc: number): number =>
      ((report.peer_report.quality[series] ?? []) as unknown as Record<string, number>[])
        .filter((r) => r.ssrc === ssrc)
        .reduce((a, r) => a + (r[field] ?? 0), 0);
    assert.equal(
      sumOf('audio_producer', 'bytes_sent', 1111),
      lastCounters(name, 'bytesSent').get(1111),
      'late bytesSent counts from zero',
    );
    assert.equal(
      sumOf('audio_consumer', 'bytes_received', 3333),
      lastCounters(name, 'bytesReceived').get(3333),
      'late bytesReceived counts from zero',
    );
    // The video streams appear at report 8 with running counters: as any first sample, from a zero baseline.
    assert.equal(totals.get('producer|2222')?.packets, sent.get(2222));
    assert.equal(totals.get('consumer|4444')?.packets, received.get(4444));
  });

  test('live ingest: the same totals when the samples arrive in several batches', async () => {
    const parsed = await parseDump(edge(name));
    const samples = parsed.clients[0]!.batches.flatMap((b) => b.samples ?? []).sort(
      (a, b) => a.ts - b.ts,
    );
    const totalOf = (chunks: { rows_json: Uint8Array }[], ssrc: number): number =>
      chunks
        .flatMap(
          (c) =>
            JSON.parse(`[${Buffer.from(c.rows_json).toString('utf8')}]`) as Record<
              string,
              number
            >[],
        )
        .filter((r) => r.ssrc === ssrc)
        .reduce((a, r) => a + (r.packets_sent ?? r.packets_received ?? 0), 0);
    // Batches of one report each: the stream state (the carried last sample) crosses every batch boundary.
    let known: KnownState[] = [];
    const chunks: { rows_json: Uint8Array }[] = [];
    const byTs = new Map<number, StreamSample[]>();
    for (const s of samples) byTs.set(s.ts, [...(byTs.get(s.ts) ?? []), s]);
    for (const batch of byTs.values()) {
      const derived = deriveStreamChunks('peer', batch, known);
      chunks.push(...derived.chunks);
      const next = new Map(known.map((k) => [k.stream_key, k]));
      for (const st of derived.states)
        next.set(st.stream_key, {
          stream_key: st.stream_key,
          last_ts: st.last_ts,
          last_sample: st.last_sample,
        });
      known = [...next.values()];
    }
    assert.equal(totalOf(chunks, 1111), lastCounters(name, 'packetsSent').get(1111));
    assert.equal(totalOf(chunks, 3333), lastCounters(name, 'packetsReceived').get(3333));
  });
});

describe('6. one SSRC switching camera -> screen -> camera (jitsi setVideoType)', () => {
  const name = 'rtcstats-jitsi-camera-screen-camera.jsonl';

  test('each series holds the rows of its own time, none lost', async () => {
    const switches = rawLines(name).filter(
      (e): e is [string, null, { ssrc: number; videoType: string }, number] =>
        Array.isArray(e) && e[0] === 'setVideoType',
    );
    const toScreen = switches.find((s) => s[2].videoType === 'desktop')![3];
    const toCamera = switches.filter((s) => s[2].videoType === 'camera').at(-1)![3];
    const ssrc = switches[0]![2].ssrc;
    const report = await importAndRead(name);
    const rowsOf = (series: string) =>
      (
        (report.peer_report.quality[series] ?? []) as { ssrc?: number; timestamp?: string }[]
      ).filter((r) => r.ssrc === ssrc);
    const camera = rowsOf('video_producer');
    const screen = rowsOf('screenshare_video_producer');
    const reports = rawLines(name).filter((e) => Array.isArray(e) && e[0] === 'getstats').length;
    assert.equal(
      camera.length + screen.length,
      reports,
      'every report is a row, in one series or the other',
    );
    assert.ok(screen.length > 0 && camera.length > 0, 'screen.length > 0 && camera.length > 0');
    for (const r of screen) {
      const ts = Date.parse(r.timestamp!);
      assert.ok(
        ts > toScreen && ts < toCamera,
        `screen row at ${r.timestamp} lies between the switches`,
      );
    }
    for (const r of camera) {
      const ts = Date.parse(r.timestamp!);
      assert.ok(
        ts < toScreen || ts > toCamera,
        `camera row at ${r.timestamp} lies outside the screen time`,
      );
    }
    // The counters run on across the switches: the sent total is the last counter, counted once.
    assert.equal(
      [...camera, ...screen].reduce(
        (a, r) => a + ((r as { packets_sent?: number }).packets_sent ?? 0),
        0,
      ),
      lastCounters(name, 'packetsSent').get(ssrc),
    );
  });
});

/** The Chrome 86 fixture's document, its stats span (from the series' ISO start/end times) and its updateLog. */
function chrome86(name: string): {
  span: { from: number; to: number };
  log: { time: string; type: string; value: string }[];
} {
  const doc = JSON.parse(gunzipSync(readFileSync(edge(name))).toString('utf8')) as {
    PeerConnections: Record<
      string,
      {
        updateLog: { time: string; type: string; value: string }[];
        stats: Record<string, { startTime: string; endTime: string }>;
      }
    >;
  };
  const pc = Object.values(doc.PeerConnections)[0]!;
  const series = Object.values(pc.stats);
  return {
    span: {
      from: Math.min(...series.map((s) => Date.parse(s.startTime))),
      to: Math.max(...series.map((s) => Date.parse(s.endTime))),
    },
    log: pc.updateLog,
  };
}

describe('2. Chrome 86 webrtc-internals: event times without a zone', () => {
  for (const [name, offset, order] of [
    ['webrtc-internals-chrome86-en-us-utc+3.json.gz', '+03:00', 'month first'],
    ['webrtc-internals-chrome86-en-gb-day-first.json.gz', '+00:00', 'day first'],
  ] as const) {
    test(`${name}: the event clock is anchored to the stats (UTC${offset}, ${order}); joined_at/left_at enclose the stats, not more`, async () => {
      const { span, log } = chrome86(name);
      const parsed = await parseDump(edge(name));
      assert.ok(
        parsed.warnings.some((w) => w.includes(`UTC${offset}`) && w.includes(order)),
        parsed.warnings.join('\n'),
      );
      const client = parsed.clients[0]!;
      // The setup events precede the first stats by seconds; nothing lies after the last stats by more than a second.
      assert.ok(
        client.joined_at <= span.from && span.from - client.joined_at < 5000,
        `joined ${new Date(client.joined_at).toISOString()} vs stats ${new Date(span.from).toISOString()}`,
      );
      assert.ok(
        client.left_at >= span.to && client.left_at - span.to < 2000,
        `left ${new Date(client.left_at).toISOString()} vs stats ${new Date(span.to).toISOString()}`,
      );
      const events = client.batches
        .flatMap((b) => b.events ?? [])
        .filter((e) => e.name.endsWith('_state_change'));
      assert.equal(events.length, log.filter((e) => /StateChange$/.test(e.type)).length);
      for (const e of events)
        assert.ok(
          e.ts >= span.from - 5000 && e.ts <= span.to + 2000,
          `${e.name} at ${new Date(e.ts).toISOString()}`,
        );
    });
  }

  test('through the store: the 4-minute call lasts 4 minutes, the 15 s recording 15 seconds', async () => {
    for (const name of [
      'webrtc-internals-chrome86-en-us-utc+3.json.gz',
      'webrtc-internals-chrome86-en-gb-day-first.json.gz',
    ]) {
      const { span } = chrome86(name);
      const report = await importAndRead(name);
      const seconds = (Date.parse(report.left_at!) - Date.parse(report.joined_at!)) / 1000;
      const statsSeconds = (span.to - span.from) / 1000;
      assert.ok(
        seconds >= statsSeconds && seconds < statsSeconds + 6,
        `${name}: ${seconds} s for ${statsSeconds} s of stats`,
      );
    }
  });

  test('any format: an event on another clock does not stretch joined_at/left_at', async () => {
    const name = 'rtcstats-firefox97-late-counters.jsonl';
    const lines = readFileSync(edge(name), 'utf8').trimEnd().split('\n');
    const stamps = lines
      .map((l) => JSON.parse(l) as unknown[])
      .filter((e) => e[0] === 'getstats')
      .map((e) => e[3] as number);
    const last = Math.max(...stamps);
    const first = Math.min(...stamps);
    lines.push(
      JSON.stringify(['oniceconnectionstatechange', 'PC_0', 'closed', last + 3 * 3600_000]),
    );
    lines.unshift(
      JSON.stringify([
        'navigator.mediaDevices.getUserMedia',
        null,
        { audio: true },
        first - 90 * 86_400_000,
      ]),
    );
    const parsed = await parseDump(Buffer.from(lines.join('\n')));
    const client = parsed.clients[0]!;
    assert.ok(client.left_at <= last + 1000, `left ${new Date(client.left_at).toISOString()}`);
    assert.ok(
      client.joined_at >= first - 5000,
      `joined ${new Date(client.joined_at).toISOString()}`,
    );
    assert.ok(
      client.notes.some((n) => /2 recorded times lie .* outside the stats/.test(n)),
      client.notes.join('\n'),
    );
    // The events are kept as recorded.
    assert.ok(
      client.batches.flatMap((b) => b.events ?? []).some((e) => e.ts === last + 3 * 3600_000),
    );
  });
});

describe('3. Chrome 86 webrtc-internals: camel-case state changes', () => {
  test('become the same events as modern dumps; the reconnect and the failure are visible', async () => {
    const name = 'webrtc-internals-chrome86-en-us-utc+3.json.gz';
    const { log } = chrome86(name);
    const report = await importAndRead(name);
    const events = report.peer_report.metadata.events ?? [];
    const expected: [string, string][] = [
      ['iceConnectionStateChange', 'ice_connection_state_change'],
      ['connectionStateChange', 'connection_state_change'],
      ['signalingStateChange', 'signaling_state_change'],
      ['iceGatheringStateChange', 'ice_gathering_state_change'],
    ];
    for (const [chrome86Name, event] of expected) {
      const states = log.filter((e) => e.type === chrome86Name).map((e) => e.value);
      assert.ok(states.length > 0, chrome86Name);
      assert.deepEqual(
        events.filter((e) => e.name === event).map((e) => e.metadata?.state),
        states,
        event,
      );
    }
    const ice = events
      .filter((e) => e.name === 'ice_connection_state_change')
      .map((e) => e.metadata?.state);
    assert.deepEqual(
      ice.slice(ice.indexOf('disconnected')),
      ['disconnected', 'connected', 'failed'],
      'reconnect, then failure',
    );
  });

  test('every spelling of the state callbacks maps to the same event', () => {
    for (const spelling of [
      'iceConnectionStateChange',
      'oniceconnectionstatechange',
      'iceconnectionstatechange',
      'onIceConnectionStateChange',
    ]) {
      assert.deepEqual(
        interpretTrace(spelling, 'failed'),
        [{ kind: 'event', name: 'ice_connection_state_change', metadata: { state: 'failed' } }],
        spelling,
      );
    }
    assert.equal(
      interpretTrace(
        'onIceCandidate',
        'sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:1 1 udp 1 192.0.2.1 5000 typ relay',
      )[0]?.kind,
      'candidate',
    );
    assert.equal(
      interpretTrace('iceCandidateError', { url: 'turn:x', errorCode: 701 })[0]?.kind,
      'event',
    );
    assert.equal(interpretTrace('dtlsStateChange', 'failed')[0]?.kind, 'event');
  });
});

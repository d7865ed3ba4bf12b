/**
 * webrtc-internals dumps at the parsing layer, on a real dump recorded with
 * Debian's Chromium (scripts/record-webrtc-internals-dump.ts: two tabs in a
 * real call; and a loopback page holding both ends), its Chrome 86 layout,
 * a long-call variant hitting the 1000-values cap, and a getUserMedia-only dump.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamSample } from '../../src/model/telemetry.ts';
import { parseDump } from '../../src/import/parse-dump.ts';
import type { ParsedClient } from '../../src/import/parsed-dump.ts';
import {
  asChrome86Layout,
  extendSeries,
  readInternals,
  seriesValues,
} from './internals-helpers.ts';
import { ownFixture, realdata } from './fixture-paths.ts';

const TWO_TABS = ownFixture('webrtc-internals/chromium-156-two-tabs.json.gz');
const LOOPBACK = ownFixture('webrtc-internals/chromium-156-loopback.json.gz');

function samplesOf(client: ParsedClient): StreamSample[] {
  return client.batches.flatMap((b) => b.samples ?? []);
}

function lastBySsrc(samples: StreamSample[], direction: string): Map<number, StreamSample> {
  const out = new Map<number, StreamSample>();
  for (const s of samples) if (s.direction === direction) out.set(s.ssrc, s);
  return out;
}

/** Producer figures of one end must match the consumer figures of the other end (same SSRCs). */
function assertEndsAgree(a: ParsedClient, b: ParsedClient): number {
  const sent = lastBySsrc(samplesOf(a), 'producer');
  const received = lastBySsrc(samplesOf(b), 'consumer');
  let compared = 0;
  for (const [ssrc, p] of sent) {
    const c = received.get(ssrc);
    if (!c) continue;
    compared++;
    assert.equal(c.media, p.media, `ssrc ${ssrc} media`);
    const packetsSent = p.packets as number;
    const packetsReceived = (c.packets as number) + Math.max(0, c.packets_lost ?? 0);
    // The two PCs are polled at nearly the same instant; packets in flight make the only difference.
    assert.ok(
      Math.abs(packetsSent - packetsReceived) <= Math.max(3, packetsSent * 0.01),
      `ssrc ${ssrc}: sent ${packetsSent} vs received ${packetsReceived}`,
    );
  }
  return compared;
}

test('two tabs: one client per renderer process, each with its PC, and both ends agree', async () => {
  const dump = readInternals(TWO_TABS);
  const parsed = await parseDump(TWO_TABS);
  const pcs = Object.entries(dump.PeerConnections);
  assert.equal(parsed.clients.length, new Set(pcs.map(([, pc]) => pc.pid)).size);
  for (const [key, pc] of pcs) {
    const client = parsed.clients.find((c) => c.pcs.includes(key));
    assert.ok(client, `client for ${key}`);
    assert.equal(client.label, `pid ${pc.pid}`);
    assert.equal(client.client.user_agent, dump.UserAgent);
    assert.equal(client.client.cpus, dump.hardwareConcurrency);
    assert.equal(client.client.memory_gb, dump.deviceMemory);
    assert.deepEqual(
      client.client.client_hints?.full_version_list,
      (dump.UserAgentData as { fullVersionList: unknown }).fullVersionList,
    );
    assert.equal(client.partial, undefined, 'a 30 s call is far below the 1000-value cap');
  }
  assert.ok(
    assertEndsAgree(parsed.clients[0], parsed.clients[1]) >= 2,
    'assertEndsAgree(parsed.clients[0], parsed.clients[1]) >= 2',
  );
  assert.ok(
    assertEndsAgree(parsed.clients[1], parsed.clients[0]) >= 2,
    'assertEndsAgree(parsed.clients[1], parsed.clients[0]) >= 2',
  );
});

test('every poll of the dump becomes one sample per stream, with the series values', async () => {
  const dump = readInternals(TWO_TABS);
  const parsed = await parseDump(TWO_TABS);
  const [key] = Object.keys(dump.PeerConnections);
  const client = parsed.clients.find((c) => c.pcs.includes(key)) as ParsedClient;
  const outbound = Object.keys(dump.PeerConnections[key].stats).filter(
    (k) =>
      k.endsWith('-packetsSent') && dump.PeerConnections[key].stats[k].statsType === 'outbound-rtp',
  );
  assert.ok(outbound.length >= 2, 'outbound.length >= 2');
  for (const seriesKey of outbound) {
    const id = seriesKey.slice(0, -'-packetsSent'.length);
    const ssrc = seriesValues(dump, key, `${id}-ssrc`).at(-1);
    const mine = samplesOf(client).filter(
      (s) => s.pc === key && s.direction === 'producer' && s.ssrc === ssrc,
    );
    assert.deepEqual(
      mine.map((s) => s.packets),
      seriesValues(dump, key, seriesKey),
    );
    assert.deepEqual(
      mine.map((s) => s.ts),
      (seriesValues(dump, key, `${id}-timestamp`) as number[]).map(Math.round),
    );
  }
});

test('the Chrome 86 layout (no statsType, no -timestamp series, time strings) gives the same figures', async () => {
  const modern = await parseDump(TWO_TABS);
  const old = await parseDump(
    Buffer.from(JSON.stringify(asChrome86Layout(readInternals(TWO_TABS)))),
  );
  assert.equal(old.clients.length, modern.clients.length);
  for (let i = 0; i < modern.clients.length; i++) {
    const a = samplesOf(modern.clients[i]);
    const b = samplesOf(old.clients[i]);
    assert.equal(b.length, a.length);
    for (let j = 0; j < a.length; j++) {
      assert.equal(b[j].packets, a[j].packets);
      assert.equal(b[j].ssrc, a[j].ssrc);
      // Without per-value timestamps the polls are spread evenly between startTime and endTime.
      assert.ok(Math.abs(b[j].ts - a[j].ts) < 100, `ts ${b[j].ts} vs ${a[j].ts}`);
    }
    assert.equal(old.clients[i].client.client_hints, undefined);
    assert.equal(old.clients[i].client.user_agent, modern.clients[i].client.user_agent);
  }
});

test('series at the 1000-value cap mark the report partial from the first kept value', async () => {
  const dump = readInternals(TWO_TABS);
  const [key] = Object.keys(dump.PeerConnections);
  const firstPoll = (seriesValues(dump, key, 'T01-timestamp') as number[])[0];
  const long = extendSeries(dump, key, 1000);
  const parsed = await parseDump(Buffer.from(JSON.stringify(long)));
  const client = parsed.clients.find((c) => c.pcs.includes(key)) as ParsedClient;
  assert.equal(client.partial?.complete_from, Math.round(firstPoll));
  assert.match(client.partial?.reason ?? '', /last 1000 values/);
  const other = parsed.clients.find((c) => !c.pcs.includes(key)) as ParsedClient;
  assert.equal(other.partial, undefined);
});

test('a loopback page holding both ends of a call yields two clients whose figures agree', async () => {
  const dump = readInternals(LOOPBACK);
  const parsed = await parseDump(LOOPBACK);
  assert.equal(new Set(Object.values(dump.PeerConnections).map((pc) => pc.pid)).size, 1, 'one tab');
  assert.equal(parsed.clients.length, 2);
  assert.deepEqual(
    parsed.clients.map((c) => c.pcs.length),
    [1, 1],
  );
  assert.ok(
    parsed.clients.every((c) => c.notes.some((n) => n.includes('both ends of a call'))),
    'parsed.clients.every((c) => c.notes.some((n) => n.includes("both ends of a ca...',
  );
  const [a, b] = parsed.clients;
  const compared = assertEndsAgree(a, b) + assertEndsAgree(b, a);
  assert.ok(compared >= 2, 'audio and video compared');
});

test('a getUserMedia-only dump imports the device information and says so', async () => {
  const path = realdata('rtcstats-rtcstats/gumonly-internals.gz');
  const dump = readInternals(path);
  const parsed = await parseDump(path);
  assert.equal(parsed.clients.length, 1);
  const [client] = parsed.clients;
  assert.deepEqual(client.pcs, []);
  assert.ok(
    client.notes.some((n) => n.includes('no peer connections')),
    'client.notes.some((n) => n.includes("no peer connections"))',
  );
  const success = (dump.getUserMedia as Record<string, string>[]).find((e) => e.video_track_info);
  const label = (JSON.parse(success?.video_track_info as string) as { label: string }).label;
  const first = client.batches[0];
  assert.deepEqual(
    first.selected_devices?.map((d) => d.device),
    [{ kind: 'videoinput', label }],
  );
  assert.deepEqual(
    client.batches.flatMap((b) => b.events ?? []).map((e) => e.name),
    ['get_user_media', 'get_user_media_success'],
  );
  assert.equal(first.client?.user_agent, dump.UserAgent);
});

test('rtcstats v3 (getUserMedia only): metadata, client hints and device figures', async () => {
  const path = realdata('rtcstats-rtcstats/gumonly.jsonl');
  const { readFileSync } = await import('node:fs');
  const [, metaLine, clientLine] = readFileSync(path, 'utf8').split('\n');
  const meta = JSON.parse(metaLine) as { userAgent: string };
  const described = (
    JSON.parse(clientLine) as [
      number,
      null,
      {
        hardwareConcurrency: number;
        deviceMemory: number;
        userAgentData: { platform: string; mobile: boolean };
      },
    ]
  )[2];
  const parsed = await parseDump(path);
  const [client] = parsed.clients;
  assert.equal(client.client.user_agent, meta.userAgent);
  assert.equal(client.client.cpus, described.hardwareConcurrency);
  assert.equal(client.client.memory_gb, described.deviceMemory);
  assert.equal(client.client.client_hints?.platform, described.userAgentData.platform);
  assert.equal(client.client.is_mobile, described.userAgentData.mobile);
  assert.deepEqual(client.pcs, []);
  assert.deepEqual(
    client.batches.flatMap((b) => b.events ?? []).map((e) => e.name),
    ['get_user_media', 'get_user_media_success'],
  );
  assert.ok(
    client.notes.some((n) => n.includes('no peer connections')),
    'client.notes.some((n) => n.includes("no peer connections"))',
  );
});

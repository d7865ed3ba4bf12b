/**
 * rtcstats line dumps at the parsing layer: delta decompression (both client
 * generations), legacy goog stats conversion, and the figures jitsi's own
 * feature extractor wrote for the legacy dumps (expected-results/*-result.json,
 * `connectionFeatures`). Expected values are read from those files and from
 * the raw dump lines, never typed in.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { StreamSample } from '../../src/model/telemetry.ts';
import { parseDump } from '../../src/import/parse-dump.ts';
import { RtcstatsDeltaState } from '../../src/import/rtcstats-delta.ts';
import { jitsi } from './fixture-paths.ts';

type Line = [string, string | null, unknown, number];

function rawLines(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

function getstats(file: string, pc: string): Record<string, Record<string, unknown> | null>[] {
  return rawLines(file)
    .filter((l) => l[0] === 'getstats' && l[1] === pc)
    .map((l) => l[2] as Record<string, Record<string, unknown> | null>);
}

/** The last value of `field` written for stat `id` anywhere in the dump (what a delta decompressor must end with). */
function lastRawValue(file: string, pc: string, id: string, field: string): unknown {
  let value: unknown;
  for (const report of getstats(file, pc)) {
    const stat = report[id];
    if (stat && field in stat) value = stat[field];
  }
  return value;
}

function lastSamples(samples: StreamSample[]): Map<string, StreamSample> {
  const last = new Map<string, StreamSample>();
  for (const s of samples) last.set(`${s.pc}|${s.direction}|${s.ssrc}|${s.media}`, s);
  return last;
}

test('delta decompression ends on the last value each field was given (chrome-relay)', async () => {
  const { dump } = jitsi('chrome-relay');
  const parsed = await parseDump(dump);
  const samples = parsed.clients[0].batches.flatMap((b) => b.samples ?? []);
  const reports = getstats(dump, 'PC_0');
  const inbound = Object.entries(reports[0]).filter(([, s]) => s && s.type === 'inbound-rtp');
  assert.ok(inbound.length > 0, 'inbound.length > 0');
  for (const [id, stat] of inbound) {
    const mine = samples.filter((s) => s.direction === 'consumer' && s.ssrc === stat?.ssrc).at(-1);
    assert.equal(mine?.packets, lastRawValue(dump, 'PC_0', id, 'packetsReceived'), id);
    assert.equal(mine?.bytes, lastRawValue(dump, 'PC_0', id, 'bytesReceived'), id);
  }
});

test('newer clients list unchanged stats as {timestamp: 0}, so a missing id means the stat is gone', () => {
  const { dump } = jitsi('chrome-relay');
  const reports = getstats(dump, 'PC_0');
  const state = new RtcstatsDeltaState();
  let previousIds = new Set<string>();
  let checked = 0;
  for (const report of reports) {
    const full = state.apply(report, report.timestamp as unknown as number);
    const ids = new Set(full.map((s) => s.id));
    const inDelta = new Set(Object.keys(report).filter((k) => k !== 'timestamp'));
    for (const id of previousIds) {
      if (!inDelta.has(id)) {
        assert.equal(ids.has(id), false, `${id} dropped`);
        checked++;
      }
    }
    previousIds = ids;
  }
  assert.ok(checked > 0, 'the dump has stats that disappear (pruned candidate pairs)');
});

test('older clients omit unchanged stats, so a missing id keeps its previous values', () => {
  const { dump } = jitsi('google-legacy-screenshare-p2p');
  const reports = getstats(dump, 'PC_0');
  const state = new RtcstatsDeltaState();
  let seen = new Map<string, unknown>();
  let checked = 0;
  for (const report of reports) {
    const full = state.apply(report, report.timestamp as unknown as number);
    const byId = new Map(full.map((s) => [s.id, s]));
    for (const [id, packets] of seen) {
      if (!(id in report)) {
        assert.equal(
          byId.get(id)?.packetsSent ?? byId.get(id)?.packetsReceived,
          packets,
          `${id} kept`,
        );
        checked++;
      }
    }
    seen = new Map(
      full.filter((s) => s.type === 'ssrc').map((s) => [s.id, s.packetsSent ?? s.packetsReceived]),
    );
  }
  assert.ok(checked > 0, 'the dump has ssrc stats missing from some deltas');
});

interface LegacyFeatures {
  bytesTotalSent: number;
  bytesTotalReceived: number;
  firstCandidatePairLocalType: string;
  firstCandidatePairRemoteType: string;
  statsAudioPacketsSentTotal: number;
  statsVideoPacketsSentTotal: number;
  statsAudioPacketsLostTotal: number;
  statsVideoPacketsLostTotal: number;
}

const LEGACY_TYPE_NAMES: Record<string, string> = {
  peerreflexive: 'prflx',
  serverreflexive: 'srflx',
  host: 'host',
  relay: 'relay',
  relayed: 'relay',
};

for (const name of ['google-legacy-stats-p2p', 'google-legacy-screenshare-p2p']) {
  test(`legacy goog stats agree with jitsi's connectionFeatures (${name})`, async () => {
    const { dump, expected } = jitsi(name);
    const parsed = await parseDump(dump);
    assert.equal(parsed.format, 'rtcstats-legacy');
    const batches = parsed.clients[0].batches;
    const last = [...lastSamples(batches.flatMap((b) => b.samples ?? [])).values()];
    const pairs = batches.flatMap((b) => b.candidate_pairs ?? []);
    for (const entry of JSON.parse(readFileSync(expected, 'utf8')) as {
      connId: string;
      connectionFeatures: LegacyFeatures;
    }[]) {
      const f = entry.connectionFeatures;
      const pc = entry.connId;
      const selected = pairs.filter((p) => p.pc === pc && p.selected);
      assert.equal(selected.length, 1, `${pc}: one selected pair`);
      assert.equal(selected[0].bytes_sent, f.bytesTotalSent, `${pc} bytes sent`);
      assert.equal(selected[0].bytes_received, f.bytesTotalReceived, `${pc} bytes received`);
      assert.equal(
        selected[0].local?.candidate_type,
        LEGACY_TYPE_NAMES[f.firstCandidatePairLocalType],
      );
      assert.equal(
        selected[0].remote?.candidate_type,
        LEGACY_TYPE_NAMES[f.firstCandidatePairRemoteType],
      );
      const producers = last.filter((s) => s.pc === pc && s.direction === 'producer');
      const audio = producers.filter((s) => s.media === 'audio');
      assert.equal(
        audio.reduce((n, s) => n + (s.packets ?? 0), 0),
        f.statsAudioPacketsSentTotal,
        `${pc} audio packets sent`,
      );
      assert.equal(
        audio.reduce((n, s) => n + (s.packets_lost ?? 0), 0),
        f.statsAudioPacketsLostTotal,
        `${pc} audio packets lost`,
      );
      const video = producers.filter((s) => s.media === 'video' || s.media === 'screenshare_video');
      // Jitsi keeps the largest cumulative value per SSRC. In the screenshare dump the camera track is
      // replaced by the screen on the same SSRC and Chrome restarts the counters: jitsi reports the camera
      // segment only (max packets) and the screen segment's loss (max lost); we keep both segments apart
      // (camera = `video`, screen = `screenshare_video`), so the maximum over our segments is jitsi's figure.
      assert.equal(
        Math.max(...video.map((s) => s.packets ?? 0)),
        f.statsVideoPacketsSentTotal,
        `${pc} video packets sent`,
      );
      assert.equal(
        Math.max(...video.map((s) => s.packets_lost ?? 0)),
        f.statsVideoPacketsLostTotal,
        `${pc} video packets lost`,
      );
    }
  });
}

test('legacy screenshare: the getDisplayMedia track is classified as screenshare, with a counter reset flagged', async () => {
  const { dump } = jitsi('google-legacy-screenshare-p2p');
  const parsed = await parseDump(dump);
  const client = parsed.clients[0];
  const samples = client.batches.flatMap((b) => b.samples ?? []);
  const display = rawLines(dump).find(
    (l) => l[0] === 'navigator.mediaDevices.getDisplayMediaOnSuccess',
  );
  const displayTrack = (display?.[2] as { tracks: { id: string }[] }).tracks[0].id;
  const screen = samples.filter((s) => s.media === 'screenshare_video');
  assert.ok(screen.length > 0, 'screen.length > 0');
  assert.ok(
    screen.every((s) => s.track_id === undefined || s.track_id === displayTrack),
    'screen.every((s) => s.track_id === undefined || s.track_id === displayTrack)',
  );
  const events = client.batches.flatMap((b) => b.events ?? []);
  assert.ok(
    events.some((e) => e.name === 'stats_counter_reset' && e.metadata?.ssrc === screen[0].ssrc),
    'events.some((e) => e.name === "stats_counter_reset" && e.metadata?.ssrc === s...',
  );
  assert.ok(
    client.notes.some((n) => n.includes(`ssrc ${screen[0].ssrc} restarted from zero`)),
    'client.notes.some((n) => n.includes(`ssrc ${screen[0].ssrc} restarted from ze...',
  );
});

test('a connectionInfo line written long after the call is flagged', async () => {
  const { dump } = jitsi('google-standard-stats-sfu');
  const parsed = await parseDump(dump);
  const info = rawLines(dump).find((l) => l[0] === 'connectionInfo') as Line;
  assert.equal(parsed.clients[0].client.user_agent, (info[2] as { userAgent: string }).userAgent);
  assert.ok(
    parsed.clients[0].notes.some(
      (n) =>
        n.includes('connectionInfo line is dated') && n.includes(new Date(info[3]).toISOString()),
    ),
    'parsed.clients[0].notes.some((n) => n.includes("connectionInfo line is dated"...',
  );
});

test('a gap in the stats is flagged with its length', async () => {
  const lines = readFileSync(jitsi('google-standard-stats-sfu').dump, 'utf8').split('\n');
  // Remove 6 consecutive getstats lines from the middle: the recording then has a hole.
  const statsLines = lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => l.startsWith('["getstats"'));
  const hole = statsLines.slice(10, 16).map(([, i]) => i);
  const before = JSON.parse(statsLines[9][0])[3] as number;
  const after = JSON.parse(statsLines[16][0])[3] as number;
  const parsed = await parseDump(Buffer.from(lines.filter((_, i) => !hole.includes(i)).join('\n')));
  const gap = parsed.clients[0].batches
    .flatMap((b) => b.events ?? [])
    .find((e) => e.name === 'stats_gap');
  assert.ok(gap, 'a stats_gap event');
  assert.ok(
    (gap.metadata?.seconds as number) >= Math.floor((after - before) / 1000) - 1,
    '(gap.metadata?.seconds as number) >= Math.floor((after - before) / 1000) - 1',
  );
  assert.ok(
    parsed.clients[0].notes.some((n) => /no stats for \d+ s/.test(n)),
    'parsed.clients[0].notes.some((n) => /no stats for d+ s/.test(n))',
  );
});

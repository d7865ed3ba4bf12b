/**
 * The export route (`GET …/{app_id}/export/peers`) through the real server,
 * on the store TEST_DATABASE_URL selects: rows match the peer reports of the
 * same peers (compacted or not), CSV and NDJSON carry the same content (CSV
 * quoting per RFC 4180), the order is stable and a cursor resumes exactly
 * after its row, the range bounds apply, tenants and apps stay apart, bad
 * parameters are 400 naming the field, and 5,000 peers stream page by page
 * as the client reads (the server stops producing while the client does not read).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';
import { compactPeerChunks } from '../../src/store/chunk-compaction.ts';
import { parsePromText, promValue } from '../support/prometheus-text.ts';
import { parseCsv } from '../support/csv.ts';
import { EXPORT_COLUMNS } from '../../src/export/export-row.ts';
import { QUALITY_SERIES } from '../../src/model/telemetry.ts';
import type { PeersTable } from '../../src/store/schema.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const METRICS_TOKEN = 'metrics-token-for-the-export-test';
const RANGE = 'since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z';
const TRICKY_NAME = 'Ada "The Countess", Lovelace\r\nof Ockham';

type Row = Record<string, string | number | boolean | null>;

let t: TestServer;
let relayPeers: SimulatedPeer[];
let cleanPeers: SimulatedPeer[];
before(async () => {
  t = await startTestServer({ metricsToken: METRICS_TOKEN });
  relayPeers = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'relay',
    minutes: 1,
    peers: 2,
  });
  cleanPeers = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'lossy-wifi',
    minutes: 1,
    peers: 2,
    seed: 7,
  });
  // A display name that needs every CSV quoting rule.
  const p = cleanPeers[0];
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/meetings/${p.meetingId}/participants/${p.participantId}`,
    {
      method: 'PATCH',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: TRICKY_NAME }),
    },
  );
  assert.equal(res.status, 200, await res.text());
  // One peer compacted (aggregates stored with it), the others computed from their chunks at export time.
  await compactPeerChunks(
    databaseOf(t.server.context.store).db,
    t.server.context.store.name,
    relayPeers[0].peerId,
    Date.now(),
  );
});
after(() => t.close());

function exportUrl(query: string, appId = t.appId, accountId = t.accountId): string {
  return `${t.baseURL}/accounts/${accountId}/realtime/kit/${appId}/export/peers?${query}`;
}

async function get(url: string, token = t.readToken): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}

async function ndjson(query: string, appId?: string): Promise<Row[]> {
  const res = await get(exportUrl(`${RANGE}&format=ndjson&${query}`, appId));
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  const text = await res.text();
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), "text.endsWith('\\n')");
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

const orderKey = (r: Row) => `${String(r.left_at)}|${String(r.peer_id)}`;

describe('export of finished peers', () => {
  test('rows match the peer reports of the same peers', async () => {
    const rows = await ndjson('');
    const all = [...relayPeers, ...cleanPeers];
    assert.deepEqual(rows.map((r) => r.peer_id).sort(), all.map((p) => p.peerId).sort());
    for (const row of rows) assert.deepEqual(Object.keys(row), [...EXPORT_COLUMNS]);
    for (const row of rows) {
      const res = await get(
        `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${row.peer_id}?filters=device_info,quality_stats,precall_network_information`,
      );
      assert.equal(res.status, 200);
      const p = ((await res.json()) as { data: { participant: Record<string, any> } }).data
        .participant;
      const sim = all.find((s) => s.peerId === row.peer_id)!;
      assert.equal(row.session_id, p.session_id);
      assert.equal(row.meeting_id, sim.meetingId);
      assert.equal(row.participant_id, p.user_id);
      assert.equal(row.custom_participant_id, p.custom_participant_id);
      assert.equal(row.display_name, p.display_name ?? null);
      assert.equal(row.preset_name, p.preset_name);
      assert.equal(row.joined_at, p.joined_at);
      assert.equal(row.left_at, p.left_at);
      assert.equal(row.duration_minutes, p.duration);
      assert.equal(row.leave_reason, p.leave_reason ?? null);
      assert.equal(row.source, p.source);
      const device = p.peer_stats.device_info;
      for (const key of [
        'browser',
        'browser_version',
        'engine',
        'os',
        'os_version',
        'is_mobile',
        'sdk_name',
        'sdk_version',
      ])
        assert.equal(row[key], device[key] ?? null, key);
      const qs = p.quality_stats;
      assert.equal(row.average_mos, qs.average_quality ?? null);
      assert.equal(row.audio_bandwidth_kbps, qs.audio_bandwidth ?? null);
      assert.equal(row.video_bandwidth_kbps, qs.video_bandwidth ?? null);
      const stats = [...qs.audio_stats, ...qs.video_stats];
      let seriesSeen = 0;
      for (const series of QUALITY_SERIES) {
        const cumulative = p.peer_report.quality[`${series}_cumulative`];
        const s = stats.find((x: { series: string }) => x.series === series);
        if (s) seriesSeen++;
        assert.equal(row[`${series}_samples`], s?.sample_count ?? null, series);
        assert.equal(row[`${series}_mos_avg`], cumulative.quality_mos?.avg ?? null, series);
        assert.equal(row[`${series}_mos_p50`], cumulative.quality_mos?.p50 ?? null, series);
        assert.equal(row[`${series}_mos_p90`], cumulative.quality_mos?.p90 ?? null, series);
        assert.equal(row[`${series}_loss_pct_avg`], s?.loss_avg ?? null, series);
        assert.equal(row[`${series}_rtt_ms_avg`], s?.rtt_avg ?? null, series);
        assert.equal(row[`${series}_jitter_ms_avg`], s?.jitter_avg ?? null, series);
        assert.equal(row[`${series}_bitrate_kbps`], s?.bitrate_kbps ?? null, series);
      }
      assert.ok(seriesSeen >= 2, 'the simulated calls have audio and video');
      // Network: the selected pair seen last (the simulated relay calls go through TURN).
      const pairs = [
        ...p.peer_report.metadata.candidate_pairs.producing_transport,
        ...p.peer_report.metadata.candidate_pairs.consuming_transport,
      ].filter((x: { selected?: boolean }) => x.selected);
      const last = pairs
        .sort((a: { timestamp: string }, b: { timestamp: string }) =>
          a.timestamp.localeCompare(b.timestamp),
        )
        .at(-1);
      assert.ok(last, 'a selected pair');
      assert.equal(
        row.relay,
        last.local_candidate_type === 'relay' || last.remote_candidate_type === 'relay',
      );
      assert.equal(
        row.relay,
        relayPeers.some((r) => r.peerId === row.peer_id),
      );
      assert.equal(row.transport_protocol, last.local_candidate_protocol ?? null);
      // The diagnosis stored at compaction: the report's verdict, its most important issues; none before.
      if (row.peer_id !== relayPeers[0].peerId) {
        assert.equal(row.verdict, null, 'not compacted: no stored diagnosis');
        assert.equal(row.issues, null, 'not compacted: no stored issues');
        continue;
      }
      assert.ok(p.diagnosis, 'the report has a diagnosis');
      assert.equal(row.verdict, p.diagnosis.verdict, 'verdict');
      assert.ok(Array.isArray(row.issues), 'issues listed');
      const kinds = new Set(p.diagnosis.issues.map((i: { kind: string }) => i.kind));
      for (const i of row.issues as { kind: string }[]) assert.ok(kinds.has(i.kind), i.kind);
      assert.equal((row.issues as unknown[]).length, Math.min(5, p.diagnosis.issues.length));
    }
  });

  test('CSV: a header of the documented columns, RFC 4180 quoting, the same content as NDJSON', async () => {
    const res = await get(exportUrl(`${RANGE}&format=csv`));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    const records = parseCsv(await res.text());
    assert.deepEqual(records[0], [...EXPORT_COLUMNS]);
    const json = await ndjson('');
    assert.equal(records.length - 1, json.length);
    records.slice(1).forEach((record, i) => {
      assert.deepEqual(
        record,
        EXPORT_COLUMNS.map((c) =>
          json[i][c] === null
            ? ''
            : Array.isArray(json[i][c])
              ? JSON.stringify(json[i][c])
              : String(json[i][c]),
        ),
      );
    });
    assert.ok(
      records.some((r) => r[EXPORT_COLUMNS.indexOf('display_name')] === TRICKY_NAME),
      'the tricky name comes back whole',
    );
    // No rows: the header alone.
    const empty = await get(
      exportUrl('since=2001-01-01T00:00:00Z&until=2001-01-02T00:00:00Z&format=csv'),
    );
    assert.deepEqual(parseCsv(await empty.text()), [[...EXPORT_COLUMNS]]);
  });

  test('stable order, a cursor resumes exactly after its row, limit and range bounds apply', async () => {
    const all = await ndjson('');
    assert.deepEqual(all.map(orderKey), all.map(orderKey).sort());
    assert.deepEqual(await ndjson(''), all, 'the same request gives the same rows');
    // Page by page with limit=1: every row once, in order.
    const paged: Row[] = [];
    let cursor = '';
    for (let i = 0; i <= all.length; i++) {
      const page = await ndjson(`limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (page.length === 0) break;
      assert.equal(page.length, 1);
      paged.push(page[0]);
      cursor = String(page[0].cursor);
    }
    assert.deepEqual(paged, all);
    // From any row's cursor: exactly the rows after it.
    for (let i = 0; i < all.length; i++)
      assert.deepEqual(
        await ndjson(`cursor=${encodeURIComponent(String(all[i].cursor))}`),
        all.slice(i + 1),
      );
    // since inclusive, until exclusive, on the finished time.
    const second = String(all[1].left_at);
    const upTo = await get(
      exportUrl(`since=2000-01-01T00:00:00Z&until=${encodeURIComponent(second)}`),
    );
    const beforeRows = (await upTo.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    assert.deepEqual(
      beforeRows,
      all.filter((r) => String(r.left_at) < second),
    );
    const from = await get(
      exportUrl(`since=${encodeURIComponent(second)}&until=2100-01-01T00:00:00Z`),
    );
    const fromRows = (await from.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    assert.deepEqual(
      fromRows,
      all.filter((r) => String(r.left_at) >= second),
    );
  });

  test('a live peer is not exported until it has finished', async () => {
    const kit = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
    const post = async (url: string, token: string, body: unknown) =>
      (
        (await (
          await fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { data: Record<string, any> }
      ).data;
    const meeting = await post(`${kit}/meetings`, t.token, { title: 'still live' });
    const participant = await post(`${kit}/meetings/${meeting.id}/participants`, t.token, {
      custom_participant_id: 'live',
      preset_name: 'host',
    });
    const joined = await post(`${t.url}/ingest/v1/join`, participant.token, {});
    assert.ok(
      !(await ndjson('')).some((r) => r.peer_id === joined.peer_id),
      "!(await ndjson('')).some((r) => r.peer_id === joined.peer_id)",
    );
    await post(`${t.url}/ingest/v1/peers/${joined.peer_id}/leave`, participant.token, {});
    assert.ok(
      (await ndjson('')).some((r) => r.peer_id === joined.peer_id),
      "(await ndjson('')).some((r) => r.peer_id === joined.peer_id)",
    );
  });

  test("tenancy: another account's token gets 403, another app's peers never appear", async () => {
    const otherAccount = `other${randomUUID().slice(0, 8)}`;
    const other = await createApiToken(
      databaseOf(t.server.context.store).db,
      otherAccount,
      'Realtime Admin',
      'other',
    );
    const res = await get(exportUrl(RANGE), other.token);
    assert.equal(res.status, 403);
    // The other account asking for our app under its own account id: no such app there.
    assert.equal((await get(exportUrl(RANGE, t.appId, otherAccount), other.token)).status, 404);
    assert.equal((await fetch(exportUrl(RANGE))).status, 401);
    // A second app of the same account, with a peer of its own.
    const app2 = await createApp(databaseOf(t.server.context.store).db, t.accountId, 'second app');
    const [peer2] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: app2.id,
      profile: 'clean',
      minutes: 1,
      peers: 1,
    });
    const ours = await ndjson('');
    assert.ok(
      !ours.some((r) => r.peer_id === peer2.peerId),
      '!ours.some((r) => r.peer_id === peer2.peerId)',
    );
    assert.deepEqual(
      (await ndjson('', app2.id)).map((r) => r.peer_id),
      [peer2.peerId],
    );
  });

  test('bad parameters are 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['until=2100-01-01T00:00:00Z', 'since'],
      ['since=2000-01-01T00:00:00Z', 'until'],
      ['since=yesterday&until=2100-01-01T00:00:00Z', 'since'],
      ['since=2000-01-01T00:00:00Z&until=2100-13-45T00:00:00Z', 'until'],
      ['since=2000-01-02T00:00:00Z&until=2000-01-01T00:00:00Z', 'until'],
      [`${RANGE}&format=xml`, 'format'],
      [`${RANGE}&cursor=not-a-cursor`, 'cursor'],
      [`${RANGE}&cursor=${Buffer.from('v1:12:not-a-uuid').toString('base64url')}`, 'cursor'],
      [`${RANGE}&limit=0`, 'limit'],
      [`${RANGE}&limit=ten`, 'limit'],
    ];
    for (const [query, field] of cases) {
      const res = await get(exportUrl(query));
      assert.equal(res.status, 400, query);
      const body = (await res.json()) as { error: { field: string; message: string } };
      assert.equal(body.error.field, field, query);
      assert.match(body.error.message, new RegExp(`^${field}: `), query);
    }
    assert.equal((await get(exportUrl(RANGE, randomUUID()))).status, 404);
  });
});

describe('export of many peers', () => {
  const N = 5_000;
  let bulkApp: string;
  before(async () => {
    // 5,000 finished peers seeded through the store: copies of a real compacted peer, ten per finished time.
    const db = databaseOf(t.server.context.store).db;
    bulkApp = (await createApp(db, t.accountId, 'bulk')).id;
    const model = (await db
      .selectFrom('peers')
      .selectAll()
      .where('id', '=', relayPeers[0].peerId)
      .executeTakeFirstOrThrow()) as PeersTable;
    assert.notEqual(model.quality_aggregates, null);
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < N; i += 500) {
      const rows = [];
      for (let j = i; j < Math.min(N, i + 500); j++) {
        rows.push({
          ...model,
          id: randomUUID(),
          app_id: bulkApp,
          left_at: base + Math.floor(j / 10) * 1000,
          joined_at: base - 60_000,
          quality_aggregates_upto: 0,
          chunks_merged_upto: 0,
        });
      }
      await db.insertInto('peers').values(rows).execute();
    }
  });

  test('all of them, in order, each once', async () => {
    const rows = await ndjson('', bulkApp);
    assert.equal(rows.length, N);
    assert.equal(new Set(rows.map((r) => r.peer_id)).size, N);
    assert.deepEqual(rows.map(orderKey), rows.map(orderKey).sort());
    // Resuming in the middle of a run of equal finished times.
    const at = 2_345;
    assert.equal(rows[at].left_at, rows[at + 1].left_at);
    const rest = await ndjson(`cursor=${encodeURIComponent(String(rows[at].cursor))}`, bulkApp);
    assert.deepEqual(
      rest.map((r) => r.peer_id),
      rows.slice(at + 1).map((r) => r.peer_id),
    );
  });

  test('streams as the client reads: the server stops producing while the client does not read', async () => {
    const produced = async () => {
      const res = await fetch(`${t.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      return promValue(parsePromText(await res.text()), 'peer_report_export_rows_total', {
        format: 'ndjson',
      });
    };
    const start = await produced();
    const res = await get(exportUrl(`${RANGE}&format=ndjson`, bulkApp));
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0, 'first.value && first.value.length > 0');
    // Wait until the server settles (the socket buffers full), then look at how far it got.
    let last = -1;
    let now = await produced();
    for (let i = 0; i < 50 && now !== last; i++) {
      await new Promise((r) => setTimeout(r, 200));
      last = now;
      now = await produced();
    }
    const whilePaused = now - start;
    if (process.env.EXPORT_TEST_VERBOSE) console.log(`rows produced while paused: ${whilePaused}`);
    assert.ok(
      whilePaused < N,
      `the server produced ${whilePaused} of ${N} rows while the client read one chunk`,
    );
    // Reading on gets the rest.
    let bytes = first.value.length;
    let lines = new TextDecoder().decode(first.value).split('\n').length - 1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const b of value) if (b === 10) lines++;
    }
    assert.equal(lines, N);
    assert.equal((await produced()) - start, N);
    assert.ok(bytes > 0, 'bytes > 0');
  });
});

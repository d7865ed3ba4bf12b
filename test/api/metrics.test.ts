/**
 * `GET /metrics` through the real server, on the store TEST_DATABASE_URL
 * selects: off without a configured token, refused without it (and to API
 * tokens), and once authorised its counters move exactly with the batches the
 * ingest answered, its histograms are well formed, the store gauges count
 * what the database holds, and process metrics are there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { postJson } from '../support/post-json.ts';
import {
  assertHistogramsWellFormed,
  parsePromText,
  promValue,
  type PromText,
} from '../support/prometheus-text.ts';
import { startServer } from '../../src/server/start-server.ts';

const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';

let t: TestServer;
before(async () => {
  // No sweeper run during the test (finished peers stay in the compaction backlog, due at once).
  t = await startTestServer({
    metricsToken: METRICS_TOKEN,
    sweepIntervalMs: 3_600_000,
    compactAfterMs: 0,
  });
});
after(() => t.close());

async function scrape(): Promise<PromText> {
  const res = await fetch(`${t.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePromText(await res.text());
}

const batchesOf = (peers: SimulatedPeer[]) => peers.reduce((n, p) => n + p.batches, 0);
const samplesOf = (peers: SimulatedPeer[]) => peers.reduce((n, p) => n + p.samples, 0);

describe('metrics endpoint', () => {
  test('refuses without the metrics token, with a wrong one, and with an API token', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-of-the-right-length',
      `Bearer ${t.token}`,
      `Basic ${METRICS_TOKEN}`,
    ]) {
      const res = await fetch(`${t.url}/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.status, 401, String(authorization));
      const body = (await res.json()) as { success: boolean; errors: { code: number }[] };
      assert.equal(body.success, false);
      assert.equal(body.errors[0].code, 10000);
    }
    // Also not under the account API prefix.
    assert.equal(
      (
        await fetch(`${t.url}/client/v4/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        })
      ).status,
      404,
    );
  });

  test('is off (404) while no token is configured, and a short token is refused at start', async () => {
    const plain = await startTestServer({ metricsToken: undefined });
    try {
      const res = await fetch(`${plain.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      assert.equal(res.status, 404);
      assert.match(
        ((await res.json()) as { errors: { message: string }[] }).errors[0].message,
        /PEER_REPORT_METRICS_TOKEN/,
      );
    } finally {
      await plain.close();
    }
    await assert.rejects(
      startServer({ port: 0, host: '127.0.0.1', dataDir: t.dataDir, metricsToken: 'short' }),
      /PEER_REPORT_METRICS_TOKEN/,
    );
  });

  test('counters move with the ingested batches; gauges count the store; histograms are well formed', async () => {
    const kit = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
    // One peer stays live through the test.
    const meeting = await postJson(`${kit}/meetings`, t.token, { title: 'live one' });
    const participant = await postJson(`${kit}/meetings/${meeting.id}/participants`, t.token, {
      custom_participant_id: 'live-user',
      preset_name: 'host',
    });
    const joined = await postJson(`${t.url}/ingest/v1/join`, participant.token, {});
    const first = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'lossy-wifi',
      minutes: 1,
      peers: 2,
    });

    const a = await scrape();
    // A fresh server: every counter holds exactly what this test sent (3 joins, the batches, 2 leaves).
    assert.equal(
      promValue(a, 'peer_report_ingest_requests_total', { route: 'join', status_class: '2xx' }),
      3,
    );
    assert.equal(
      promValue(a, 'peer_report_ingest_requests_total', { route: 'batches', status_class: '2xx' }),
      batchesOf(first),
    );
    assert.equal(
      promValue(a, 'peer_report_ingest_requests_total', { route: 'leave', status_class: '2xx' }),
      2,
    );
    assert.equal(
      promValue(a, 'peer_report_ingest_batches_total', { outcome: 'stored' }),
      batchesOf(first),
    );
    assert.equal(
      promValue(a, 'peer_report_ingest_samples_total', { outcome: 'stored' }),
      samplesOf(first),
    );
    assert.equal(promValue(a, 'peer_report_ingest_batch_latency_seconds_count'), batchesOf(first));
    assert.equal(promValue(a, 'peer_report_ingest_group_commit_batches_sum'), batchesOf(first));
    assert.equal(
      promValue(a, 'peer_report_db_transaction_duration_seconds_count', {
        operation: 'ingest_group',
        outcome: 'committed',
      }),
      promValue(a, 'peer_report_ingest_group_commit_batches_count'),
    );
    assert.equal(promValue(a, 'peer_report_live_peers'), 1);
    assert.equal(promValue(a, 'peer_report_compaction_backlog_peers'), 2);
    assert.equal(promValue(a, 'peer_report_webhook_backlog_events'), 0);

    // More traffic: a second call, a refused batch (400) and a batch for an unknown peer (404).
    const second = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 1,
      peers: 1,
    });
    const post = (path: string, body: string) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${participant.token}`,
          'content-type': 'application/json',
        },
        body,
      });
    assert.equal(
      (
        await post(
          `/ingest/v1/peers/${joined.peer_id}/batches`,
          '{"batch_id":"batch-invalid","samples":"nope"}',
        )
      ).status,
      400,
    );
    assert.equal(
      (
        await post(
          `/ingest/v1/peers/00000000-0000-4000-8000-000000000000/batches`,
          JSON.stringify({ batch_id: 'batch-unknown-peer', samples: [] }),
        )
      ).status,
      404,
    );

    const b = await scrape();
    assert.equal(
      promValue(b, 'peer_report_ingest_requests_total', { route: 'batches', status_class: '2xx' }),
      batchesOf(first) + batchesOf(second),
    );
    assert.equal(
      promValue(b, 'peer_report_ingest_requests_total', { route: 'batches', status_class: '4xx' }),
      2,
    );
    assert.equal(
      promValue(b, 'peer_report_ingest_requests_total', { route: 'join', status_class: '2xx' }),
      4,
    );
    assert.equal(
      promValue(b, 'peer_report_ingest_samples_total', { outcome: 'stored' }),
      samplesOf(first) + samplesOf(second),
    );
    assert.equal(promValue(b, 'peer_report_ingest_batches_total', { outcome: 'invalid' }), 1);
    assert.equal(promValue(b, 'peer_report_ingest_batches_total', { outcome: 'unknown_peer' }), 1);
    assert.equal(
      promValue(b, 'peer_report_ingest_batch_latency_seconds_count'),
      batchesOf(first) + batchesOf(second) + 1,
    );

    const families = assertHistogramsWellFormed(b);
    for (const f of [
      'peer_report_ingest_batch_latency_seconds',
      'peer_report_ingest_group_commit_batches',
      'peer_report_db_transaction_duration_seconds',
      'peer_report_db_query_duration_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      assert.ok(families.includes(f), `histogram ${f} missing`);
    }
    // Query timings by operation on both stores (joins, token lookups, reads go through the query builder).
    const operations = new Set(
      b.samples
        .filter((s) => s.name === 'peer_report_db_query_duration_seconds_count')
        .map((s) => s.labels.operation),
    );
    for (const op of ['select peers', 'insert peers', 'select participants'])
      assert.ok(
        operations.has(op),
        `no query timings for '${op}' in ${[...operations].join(', ')}`,
      );
    // Process metrics: memory, event loop lag, CPU.
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'process_cpu_seconds_total',
    ]) {
      assert.ok(
        promValue(b, name) > 0 || b.samples.some((s) => s.name === name),
        `${name} missing`,
      );
    }
    assert.ok(promValue(b, 'process_resident_memory_bytes') > 10 * 1024 * 1024);
  });

  test('a scrape does not query the store again while its gauges are fresh', async () => {
    await scrape(); // reads the gauges (if stale)
    const countQueries = (p: PromText) =>
      promValue(p, 'peer_report_db_query_duration_seconds_count', { operation: 'select peers' });
    const b = await scrape();
    const c = await scrape();
    assert.equal(countQueries(c), countQueries(b));
  });
});

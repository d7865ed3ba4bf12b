/**
 * Quality webhooks from a real call made bad on purpose: two headless-chromium
 * peers with the collector, both forced through a TURN relay (coturn on
 * loopback) reached through a UDP proxy that drops 30 % of each browser's
 * outgoing datagrams. A real HTTP receiver subscribed to the quality events
 * gets, while the call is live, a `peer.qualityAlert` (the diagnosis engine's
 * live packet-loss issue, `bad`), and when each peer's final report is
 * stored a `peer.qualityReport` with the verdict `bad`, the same verdict and
 * issues as its report. Every signature verifies with the server's published
 * key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCoturn } from './support/coturn.ts';
import { startBrowserEnvironment, type BrowserEnvironment } from './support/environment.ts';
import { runCall, type CallResult } from './support/run-call.ts';
import { startImpairProxy } from './support/udp-impair-proxy.ts';
import { peerReport } from './support/realtimekit.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import { sdk7 } from '../support/sdk.ts';
import {
  fetchWebhookPublicKey,
  signatureVerifies,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.ts';
import { DIAGNOSIS_METHOD } from '../../src/analytics/diagnosis/engine.ts';

const INJECTED_LOSS = 0.3;

let env: BrowserEnvironment;
let rx: WebhookReceiver;
let call: CallResult;

before(
  async () => {
    env = await startBrowserEnvironment({
      compactAfterMs: 0,
      webhooks: testWebhookConfig({
        alerts: {
          minSeverity: 'poor',
          minDurationMs: 5_000,
          windowMs: 900_000,
          scanIntervalMs: 500,
        },
      }),
    });
    rx = await startWebhookReceiver();
    env.defer(() => rx.close());
    const turn = await startCoturn();
    env.defer(() => turn.close());
    const proxy = await startImpairProxy({
      target: { host: turn.host, port: turn.port },
      upstream: { loss: INJECTED_LOSS, delayMs: 20 },
      seed: 20261130,
    });
    env.defer(() => proxy.close());
    call = await runCall(env, {
      label: 'bad-on-purpose',
      talkMs: 20_000,
      // The call's app (made by runCall) subscribes to the quality events.
      onMeeting: async (m) => {
        await sdk7(env.server.baseURL, env.server.token).realtimeKit.webhooks.createWebhook(
          m.appId,
          {
            account_id: m.accountId,
            name: 'quality',
            url: rx.url,
            events: ['peer.qualityAlert', 'peer.qualityReport'] as any,
          },
        );
      },
      setup: {
        iceServers: [
          {
            urls: `turn:${proxy.host}:${proxy.port}?transport=udp`,
            username: turn.username,
            credential: turn.credential,
          },
        ],
        iceTransportPolicy: 'relay',
      },
    });
    await rx.waitFor(
      (r) => r.filter((w) => w.body.event === 'peer.qualityReport').length >= 2,
      60_000,
      'both final quality reports',
    );
  },
  { timeout: 600_000 },
);

after(() => env?.close());

describe('quality webhooks of a bad real call', () => {
  test('a packet-loss alert arrives while the call is live', () => {
    const alerts = rx.accepted().filter((w) => w.body.event === 'peer.qualityAlert');
    const loss = alerts.filter((a) => a.body.alert.kind === 'packet_loss');
    assert.ok(loss.length >= 1, `alerts: ${alerts.map((a) => a.body.alert.kind).join(', ')}`);
    const reports = rx.accepted().filter((w) => w.body.event === 'peer.qualityReport');
    for (const a of loss) {
      assert.equal(a.body.alert.detector, DIAGNOSIS_METHOD);
      assert.ok(
        ['poor', 'bad'].includes(a.body.alert.severity),
        `severity ${a.body.alert.severity}`,
      );
      assert.ok(a.body.alert.durationSeconds >= 5, `lasted ${a.body.alert.durationSeconds} s`);
      assert.equal(a.body.participant.leftAt, undefined, 'recorded while the peer was live');
      const report = reports.find((r) => r.body.participant.peerId === a.body.participant.peerId);
      assert.ok(report, 'the same peer has a final report');
      assert.ok(
        a.at < Date.parse(report.body.participant.leftAt),
        'the alert arrived before the peer left',
      );
    }
    // At most one alert per peer per kind.
    const keys = alerts.map((a) => `${a.body.participant.peerId} ${a.body.alert.kind}`);
    assert.equal(new Set(keys).size, keys.length, `one per peer and kind: ${keys.join(', ')}`);
  });

  test("each peer's final quality report says bad, as its report's diagnosis does", async () => {
    const reports = rx.accepted().filter((w) => w.body.event === 'peer.qualityReport');
    const peerIds = call.reports.map((r) => r.id as string);
    assert.deepEqual(
      new Set(reports.map((r) => r.body.participant.peerId)),
      new Set(peerIds),
      'one report per peer',
    );
    for (const r of reports) {
      const report = await peerReport(call.meeting, r.body.participant.peerId);
      const diagnosis = (report as any).diagnosis;
      assert.ok(diagnosis, 'the report has a diagnosis');
      assert.equal(r.body.quality.verdict, 'bad', `verdict: ${r.body.quality.diagnosisSummary}`);
      assert.equal(r.body.quality.verdict, diagnosis.verdict, "the report's verdict");
      assert.ok(
        r.body.quality.issues.some((i: any) => i.kind === 'packet_loss'),
        `issues: ${r.body.quality.issues.map((i: any) => i.kind).join(', ')}`,
      );
      assert.ok(r.body.participant.leftAt, 'a finished peer');
      assert.match(
        r.body.reportUrl,
        new RegExp(`/sessions/peer-report/${r.body.participant.peerId}$`),
      );
    }
  });

  test('every delivery verifies with the published key', async () => {
    const key = await fetchWebhookPublicKey(env.server.url);
    assert.ok(rx.received.length >= 3, `${rx.received.length} deliveries`);
    for (const w of rx.received)
      assert.ok(signatureVerifies(w, key), `signature of ${w.body.event}`);
  });
});

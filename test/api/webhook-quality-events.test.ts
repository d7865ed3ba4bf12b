/**
 * peer-report's own events through real receivers: `peer.qualityAlert` while
 * a peer is live and the diagnosis engine's live loss issue has lasted the
 * configured time (once per peer per issue kind per window; never for a clean
 * peer), and `peer.qualityReport` when each peer's final report is stored,
 * with the verdict and top issues of its stored diagnosis: the same verdict
 * its report, the fleet rollups (peers query) and the export show.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import {
  fetchWebhookPublicKey,
  signatureVerifies,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.ts';
import {
  joinPeer,
  leavePeer,
  meetingWithParticipants,
  sendBatch,
} from '../support/meeting-traffic.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { DIAGNOSIS_METHOD } from '../../src/analytics/diagnosis/engine.ts';

let t: TestServer;
let rx: WebhookReceiver;
let hookId: string;

before(async () => {
  t = await startTestServer({
    compactAfterMs: 0,
    webhooks: testWebhookConfig({
      alerts: {
        minSeverity: 'poor',
        minDurationMs: 8_000,
        windowMs: 900_000,
        scanIntervalMs: 100,
      },
    }),
  });
  rx = await startWebhookReceiver();
  hookId = (
    await sdk7(t.baseURL, t.token).realtimeKit.webhooks.createWebhook(t.appId, {
      account_id: t.accountId,
      name: 'quality',
      url: rx.url,
      events: ['peer.qualityAlert', 'peer.qualityReport'] as any,
    })
  ).data.id;
});
after(async () => {
  await t.close();
  await rx.close();
});

const clean = CALL_PROFILES.clean;
/**
 * Heavy loss all along, nothing else wrong: the generator draws each interval's loss from 0.5–1.5× the profile's,
 * so 40 % keeps every interval at 20–60 %: the diagnosis grades the episode by its median, `bad` from 20 %.
 */
const lossy = { ...clean, name: 'steady-loss', loss: 0.4 };

describe('quality events', () => {
  test('a live lossy peer raises one packet_loss alert; a clean one none; both get a final quality report', async () => {
    const { participants } = await meetingWithParticipants(t, 2, 'bad call');
    const [bad, good] = participants;
    const badPeer = await joinPeer(t.url, bad);
    const goodPeer = await joinPeer(t.url, good);
    const startMs = Date.now() - 60_000;
    for (const [p, peer, profile] of [
      [bad, badPeer, lossy],
      [good, goodPeer, clean],
    ] as const) {
      for (const batch of syntheticBatches({
        profile,
        startMs,
        minutes: 1,
        seed: 3,
        remotePeerIds: [peer === badPeer ? goodPeer : badPeer],
        batchIdPrefix: `${peer}-`,
      })) {
        await sendBatch(t.url, p, peer, batch);
      }
    }
    await rx.waitFor(
      (r) => r.some((w) => w.body.event === 'peer.qualityAlert'),
      20_000,
      'an alert',
    );
    // Several more scans: still one alert per kind.
    await new Promise((r) => setTimeout(r, 800));
    const alerts = rx.accepted().filter((w) => w.body.event === 'peer.qualityAlert');
    assert.equal(alerts.length, 1, `one alert: ${alerts.map((a) => a.body.alert.kind).join(', ')}`);
    const alert = alerts[0].body;
    assert.equal(alert.participant.peerId, badPeer);
    assert.equal(alert.meeting.title, 'bad call');
    assert.equal(alert.alert.kind, 'packet_loss');
    assert.equal(alert.alert.severity, 'bad');
    assert.equal(alert.alert.detector, DIAGNOSIS_METHOD);
    assert.equal(alert.alert.metric, 'packet_loss_pct');
    assert.ok(alert.alert.durationSeconds >= 8, `lasted ${alert.alert.durationSeconds} s`);
    assert.ok(alert.alert.typical >= 20, `typical loss ${alert.alert.typical} %`);
    assert.equal(
      alert.reportUrl,
      `/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${badPeer}`,
    );

    await leavePeer(t.url, bad, badPeer);
    await leavePeer(t.url, good, goodPeer);
    await rx.waitFor(
      (r) => r.filter((w) => w.body.event === 'peer.qualityReport').length >= 2,
      30_000,
      'two quality reports',
    );
    const reports = rx.accepted().filter((w) => w.body.event === 'peer.qualityReport');
    assert.deepEqual(
      new Set(reports.map((r) => r.body.participant.peerId)),
      new Set([badPeer, goodPeer]),
    );
    const badReport = reports.find((r) => r.body.participant.peerId === badPeer)!.body;
    const goodReport = reports.find((r) => r.body.participant.peerId === goodPeer)!.body;
    assert.ok(badReport.participant.leftAt, 'the report is of a finished peer');
    assert.equal(badReport.meeting.endedAt !== undefined, true);
    assert.ok(
      badReport.quality.summary.total_audio_packets_lost > 0,
      'badReport.quality.summary.total_audio_packets_lost > 0',
    );
    assert.equal(goodReport.quality.summary.total_audio_packets_lost, 0);
    assert.ok(
      badReport.quality.summary.average_quality < goodReport.quality.summary.average_quality,
    );
    // The verdict and issues of the stored diagnosis: the report's own.
    assert.equal(badReport.quality.verdict, 'bad');
    assert.equal(goodReport.quality.verdict, 'good');
    assert.deepEqual(goodReport.quality.issues, []);
    assert.equal(badReport.quality.issues[0].kind, 'packet_loss');
    assert.equal(badReport.quality.issues[0].severity, 'bad');
    assert.ok(badReport.quality.issuesTotal >= 1, 'issue count');
    for (const [body, peerId] of [
      [badReport, badPeer],
      [goodReport, goodPeer],
    ] as const) {
      const res = await fetch(`${t.url}${body.reportUrl}`, {
        headers: { authorization: `Bearer ${t.token}` },
      });
      assert.equal(res.status, 200, 'the report link works');
      const diagnosis = ((await res.json()) as any).data.participant.diagnosis;
      assert.equal(body.quality.verdict, diagnosis.verdict, `${peerId}: the report's verdict`);
      assert.equal(body.quality.diagnosisSummary, diagnosis.summary, "the report's sentence");
      assert.deepEqual(
        new Set(body.quality.issues.map((i: any) => i.kind)),
        new Set(diagnosis.issues.map((i: any) => i.kind)),
        "the report's issue kinds",
      );
    }
    // The fleet rollups count each peer with the same verdict and issue kinds.
    const day = new Date().toISOString().slice(0, 10);
    const peers = await fetch(
      `${t.url}/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/analytics/quality/peers?start_date=${day}&end_date=${day}&per_page=100`,
      { headers: { authorization: `Bearer ${t.token}` } },
    );
    assert.equal(peers.status, 200, 'peers query');
    const rows = ((await peers.json()) as any).data.peers as any[];
    const rowOf = (id: string) => rows.find((r) => r.peer_id === id);
    assert.equal(rowOf(badPeer)?.verdict, 'bad', 'rollup verdict of the bad peer');
    assert.ok(rowOf(badPeer)?.issues.includes('packet_loss'), 'rollup issue kind');
    assert.equal(rowOf(goodPeer)?.verdict, 'good', 'rollup verdict of the good peer');
    // The export carries them too.
    const exported = await fetch(
      `${t.url}/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/export/peers?format=ndjson&since=${new Date(startMs - 3_600_000).toISOString()}&until=${new Date(Date.now() + 3_600_000).toISOString()}`,
      { headers: { authorization: `Bearer ${t.token}` } },
    );
    assert.equal(exported.status, 200, 'export');
    const lines = (await exported.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const line = lines.find((l) => l.peer_id === badPeer);
    assert.equal(line?.verdict, 'bad', 'exported verdict');
    assert.equal(line?.issues[0].kind, 'packet_loss', 'exported top issue');

    const key = await fetchWebhookPublicKey(t.url);
    for (const w of rx.received) assert.ok(signatureVerifies(w, key));
    assert.ok(
      rx.received.every((w) => w.headers['rtk-webhook-id'] === hookId),
      "rx.received.every((w) => w.headers['rtk-webhook-id'] === hookId)",
    );
    assert.equal(
      rx.received.filter((w) => w.body.event === 'peer.qualityAlert').length,
      1,
      'no alert after the peer left',
    );
  });
});

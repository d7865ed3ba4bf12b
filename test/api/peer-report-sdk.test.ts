/**
 * The core workflow through the unmodified official SDK (6.x and 7.x) against
 * a real server and database: app → meeting → participant → ingest → report.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk6, sdk7 } from '../support/sdk.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { QUALITY_SERIES } from '../../src/model/telemetry.ts';

let t: TestServer;
let peers: SimulatedPeer[];

before(async () => {
  t = await startTestServer();
  peers = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'lossy-wifi',
    minutes: 2,
    peers: 2,
    seed: 7,
  });
});
after(() => t.close());

describe('peer report through the official SDK', () => {
  test('7.x creates app, meeting and participant with the SDK shapes', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const app = await cf.realtimeKit.apps.post({ account_id: t.accountId, name: 'sdk app' });
    assert.equal(app.success, true);
    const appId = app.data!.app!.id!;
    assert.match(appId, /^[0-9a-f-]{36}$/);
    const meeting = await cf.realtimeKit.meetings.create(appId, {
      account_id: t.accountId,
      title: 'Standup',
      record_on_start: false,
    });
    assert.equal(meeting.data!.title, 'Standup');
    assert.equal(
      meeting.data!.record_on_start,
      false,
      'unknown-to-us fields are stored and echoed',
    );
    const p = await cf.realtimeKit.meetings.addParticipant(meeting.data!.id, {
      account_id: t.accountId,
      app_id: appId,
      custom_participant_id: 'user-42',
      preset_name: 'group_call_host',
      name: 'Ada',
    });
    assert.equal(p.data!.custom_participant_id, 'user-42');
    assert.match(p.data!.token, /^prp_/);
  });

  test('7.x getParticipantDataFromPeerID returns the full newest-schema report', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const res = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(peers[0].peerId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(res.success, true);
    const p = res.data!.participant!;
    assert.equal(p.id, peers[0].peerId);
    assert.equal(p.session_id, peers[0].sessionId);
    assert.equal(p.custom_participant_id, 'sim-user-1');
    assert.equal(p.display_name, 'Simulated user 1');
    assert.equal(p.role, 'group_call_participant');
    assert.ok(p.joined_at && p.left_at, 'joined_at and left_at are set');
    assert.ok(Math.abs(p.duration! - 2) < 0.05, `duration ${p.duration} minutes`);
    const q = p.peer_report!.quality!;
    for (const series of QUALITY_SERIES) {
      assert.ok(Array.isArray((q as Record<string, unknown>)[series]), `${series} is an array`);
      assert.equal(
        typeof (q as Record<string, unknown>)[`${series}_cumulative`],
        'object',
        `${series}_cumulative`,
      );
    }
    // 2 minutes at one sample per 2 s: 60 samples per stream.
    assert.equal(q.audio_producer!.length, 60);
    assert.equal(q.video_consumer!.length, 60);
    const s = q.audio_consumer![10];
    assert.equal(typeof s.mos_quality, 'number');
    assert.ok(
      s.mos_quality! >= 1 && s.mos_quality! <= 4.5,
      's.mos_quality! >= 1 && s.mos_quality! <= 4.5',
    );
    assert.equal(s.peer_id, peers[1].peerId, 'consumer rows name the remote peer');
    assert.ok((s as Record<string, unknown>).mos_detail, 'every score explains itself');
    const cum = q.audio_consumer_cumulative!;
    assert.ok(
      cum.quality_mos!.p50! >= cum.quality_mos!.p90! - 4.5,
      'cum.quality_mos!.p50! >= cum.quality_mos!.p90! - 4.5',
    );
    assert.ok(
      cum.packet_loss!['5_or_greater_event_fraction']! >=
        cum.packet_loss!['10_or_greater_event_fraction']!,
    );
    const m = p.peer_report!.metadata!;
    assert.equal(m.browser_metadata!.browser, 'Chrome');
    assert.equal(m.device_info!.os, 'Linux');
    assert.equal(m.device_info!.cpus, 8);
    assert.ok(
      m.candidate_pairs!.producing_transport!.length >= 1,
      'm.candidate_pairs!.producing_transport!.length >= 1',
    );
    assert.ok(
      m.candidate_pairs!.consuming_transport!.length >= 1,
      'm.candidate_pairs!.consuming_transport!.length >= 1',
    );
    assert.equal(m.candidate_pairs!.producing_transport![0].local_candidate_type, 'srflx');
    assert.ok(m.events!.length >= 2, 'm.events!.length >= 2');
    assert.equal(p.peer_events, undefined, 'peer_events only with include_peer_events=true');
    const extra = p as Record<string, any>;
    assert.ok(
      extra.quality_stats.total_audio_packets > 0,
      'extra.quality_stats.total_audio_packets > 0',
    );
    assert.deepEqual(new Set(extra.quality_stats.peer_ids), new Set(peers.map((x) => x.peerId)));
    assert.equal(extra.peer_stats.precall_network_information.rtt, 60);
  });

  test('the two peers agree: what one sends the other receives', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const [a, b] = await Promise.all(
      peers.map((x) =>
        cf.realtimeKit.sessions.getParticipantDataFromPeerID(x.peerId, {
          account_id: t.accountId,
          app_id: t.appId,
        }),
      ),
    );
    const sum = (
      rows: { packets_sent?: number; packets_received?: number; packets_lost?: number }[],
      k: 'packets_sent' | 'packets_received' | 'packets_lost',
    ) => rows.reduce((acc, r) => acc + (r[k] ?? 0), 0);
    const qa = a.data!.participant!.peer_report!.quality!;
    const qb = b.data!.participant!.peer_report!.quality!;
    assert.ok(sum(qa.audio_producer!, 'packets_sent') > 0);
    assert.ok(sum(qb.audio_consumer!, 'packets_received') > 0);
  });

  test('include_peer_events=true adds PEER_CREATED, PEER_JOINING and PEER_LEAVING', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const res = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(peers[0].peerId, {
      account_id: t.accountId,
      app_id: t.appId,
      include_peer_events: true,
    });
    const names = res.data!.participant!.peer_events!.map((e) => e.event_name);
    assert.deepEqual(names, ['PEER_CREATED', 'PEER_JOINING', 'PEER_LEAVING']);
    assert.equal(res.data!.participant!.peer_events![2].peer_id, peers[0].peerId);
  });

  test('6.x getParticipantDataFromPeerId with filters as a string and as an array', async () => {
    const cf = sdk6(t.baseURL, t.token);
    const one = (await cf.realtimeKit.sessions.getParticipantDataFromPeerId(
      t.appId,
      peers[0].peerId,
      { account_id: t.accountId, filters: 'device_info' },
    )) as any;
    const report = one.data.participant.peer_report;
    assert.ok(report.metadata.device_info, 'report.metadata.device_info');
    assert.equal(report.quality, undefined, 'quality_stats not selected');
    assert.equal(report.metadata.ip_information, undefined);
    assert.equal(one.data.participant.id, peers[0].peerId, 'identity fields always present');

    const two = (await cf.realtimeKit.sessions.getParticipantDataFromPeerId(
      t.appId,
      peers[0].peerId,
      {
        account_id: t.accountId,
        filters: 'events,quality_stats' as 'events',
      },
    )) as any;
    assert.ok(
      two.data.participant.peer_report.quality.audio_producer.length > 0,
      'two.data.participant.peer_report.quality.audio_producer.length > 0',
    );
    assert.ok(
      two.data.participant.peer_report.metadata.events.length > 0,
      'two.data.participant.peer_report.metadata.events.length > 0',
    );
    assert.equal(two.data.participant.peer_report.metadata.device_info, undefined);

    const arr = (await cf.realtimeKit.sessions.getParticipantDataFromPeerId(
      t.appId,
      peers[0].peerId,
      {
        account_id: t.accountId,
        filters: ['ip_information', 'precall_network_information'] as unknown as 'ip_information',
      },
    )) as any;
    assert.ok(
      arr.data.participant.peer_report.metadata.ip_information,
      'arr.data.participant.peer_report.metadata.ip_information',
    );
    assert.ok(
      arr.data.participant.peer_report.metadata.candidate_pairs,
      'arr.data.participant.peer_report.metadata.candidate_pairs',
    );
    assert.equal(arr.data.participant.peer_report.quality, undefined);
  });

  test('the report is readable while the call is live, and grows', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const [live] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 0.5,
      peers: 1,
      leave: false,
    });
    const res = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(live.peerId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    const p = res.data!.participant! as Record<string, any>;
    assert.equal(p.left_at, undefined);
    assert.equal(p.status, 'LIVE');
    assert.equal(p.peer_report.quality.audio_producer.length, 15);
  });
});

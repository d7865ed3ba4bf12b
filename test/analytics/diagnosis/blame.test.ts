/**
 * Attribution and blame across peers on hand-built sessions: a sender's bad
 * uplink, this peer's bad downlink, the SFU leg, two-peer P2P (ambiguous),
 * "no media" against the sender's report, and how a sender is matched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose, diagnoseOwn, finishDiagnosis } from '../../../src/analytics/diagnosis/engine.ts';
import { producerSummaries } from '../../../src/analytics/diagnosis/producer-summary.ts';
import type { BlameContext, SessionPeer } from '../../../src/analytics/diagnosis/blame.ts';
import type { DiagnosisStream, Topology } from '../../../src/analytics/diagnosis/types.ts';
import { during, intervals, peer, stream } from './build-input.ts';

const LOSSY = (k: number) => ({ lossPct: during(k, 60, 90) ? 12 : 0 });
const CLEAN = () => ({ lossPct: 0 });

/** A receiving stream of `self` from `from`. */
function recv(
  from: string,
  fill: (k: number) => { lossPct: number },
  topology: Topology,
  extra: Partial<DiagnosisStream> = {},
): DiagnosisStream {
  return stream(`pc-${from}|consumer|${from.length}1`, 'receive', 'audio', intervals(150, fill), {
    remotePeerId: from,
    topology,
    ...extra,
  });
}

/** Another peer whose sent audio streams (one per receiver) have those fills. */
function sender(
  id: string,
  sends: { to: string; fill: (k: number) => { lossPct: number } | { packets: number } }[],
  topology: Topology,
): SessionPeer {
  const streams = sends.map((s, n) =>
    stream(
      `pc-${s.to}|producer|${n + 1}${id.length}`,
      'send',
      'audio',
      intervals(150, s.fill as never),
      { topology, remotePeerId: s.to },
    ),
  );
  return {
    peerId: id,
    aliases: [`custom-${id}`],
    label: `user-${id}`,
    producers: producerSummaries(streams),
  };
}

function ctx(others: SessionPeer[], sessionPeers = others.length + 1): BlameContext {
  return { selfPeerId: 'self', others, sessionPeers };
}

describe('blame in a 3-peer P2P mesh', () => {
  it("A's uplink: A's streams to self and to C both lost; self's stream from C clean → remote_peer A", () => {
    const input = peer([recv('A', LOSSY, 'p2p'), recv('C', CLEAN, 'p2p')]);
    const A = sender(
      'A',
      [
        { to: 'self', fill: LOSSY },
        { to: 'C', fill: LOSSY },
      ],
      'p2p',
    );
    const C = sender(
      'C',
      [
        { to: 'self', fill: CLEAN },
        { to: 'A', fill: CLEAN },
      ],
      'p2p',
    );
    const d = diagnose(input, ctx([A, C]));
    const loss = d.issues.find((i) => i.kind === 'packet_loss')!;
    assert.equal(loss.attribution.cause, 'remote_peer');
    assert.equal(loss.attribution.peer_id, 'A');
    assert.equal(loss.attribution.matched_by, 'remote_peer_id');
    assert.equal(loss.attribution.confidence, 'high');
    assert.equal(d.verdicts.receive.audio, 'poor');
    assert.equal(
      d.summary,
      "Poor audio received from 10:32:00 to 10:33:00 UTC: 12 % packet loss (worst 12 %) on the sender's uplink (participant 'user-A').",
    );
  });
  it("own downlink: streams from A and C both lost while A's and C's other streams were clean", () => {
    const input = peer([recv('A', LOSSY, 'p2p'), recv('C', LOSSY, 'p2p')]);
    const A = sender(
      'A',
      [
        { to: 'self', fill: LOSSY },
        { to: 'C', fill: CLEAN },
      ],
      'p2p',
    );
    const C = sender(
      'C',
      [
        { to: 'self', fill: LOSSY },
        { to: 'A', fill: CLEAN },
      ],
      'p2p',
    );
    const d = diagnose(input, ctx([A, C]));
    const losses = d.issues.filter((i) => i.kind === 'packet_loss');
    assert.equal(losses.length, 1, 'one issue for both streams');
    assert.equal(losses[0].attribution.cause, 'own_downlink');
    assert.equal(losses[0].streams.length, 2);
    assert.equal(losses[0].attribution.confidence, 'high');
  });
  it("only A's stream to self lost, A's stream to C clean: the path from A, not A's uplink", () => {
    const input = peer([recv('A', LOSSY, 'p2p'), recv('C', CLEAN, 'p2p')]);
    const A = sender(
      'A',
      [
        { to: 'self', fill: LOSSY },
        { to: 'C', fill: CLEAN },
      ],
      'p2p',
    );
    const d = diagnose(input, ctx([A, sender('C', [], 'p2p')]));
    const loss = d.issues.find((i) => i.kind === 'packet_loss')!;
    assert.equal(loss.attribution.cause, 'network_path');
    assert.equal(loss.attribution.confidence, 'medium');
  });
});

describe('blame with two peers on P2P', () => {
  it('says it is ambiguous instead of guessing', () => {
    const d = diagnose(
      peer([recv('A', LOSSY, 'p2p')]),
      ctx([sender('A', [{ to: 'self', fill: LOSSY }], 'p2p')]),
    );
    const loss = d.issues.find((i) => i.kind === 'packet_loss')!;
    assert.equal(loss.attribution.cause, 'network_path');
    assert.equal(loss.attribution.confidence, 'low');
    assert.match(loss.attribution.reason, /ambiguous/);
  });
});

describe('blame on an SFU', () => {
  it("the sender's uplink to the SFU lost too → remote_peer; clean → the server leg", () => {
    const lossyA = sender('A', [{ to: 'sfu', fill: LOSSY }], 'sfu');
    const cleanA = sender('A', [{ to: 'sfu', fill: CLEAN }], 'sfu');
    const input = peer([recv('A', LOSSY, 'sfu')]);
    assert.equal(
      diagnose(input, ctx([lossyA, sender('B', [], 'sfu')])).issues[0].attribution.cause,
      'remote_peer',
    );
    assert.equal(
      diagnose(input, ctx([cleanA, sender('B', [], 'sfu')])).issues[0].attribution.cause,
      'server',
    );
  });
});

describe('blame on an SFU: the server leg or this peer downlink', () => {
  const cleanA = sender('A', [{ to: 'sfu', fill: CLEAN }], 'sfu');
  const cleanC = sender('C', [{ to: 'sfu', fill: CLEAN }], 'sfu');
  const lossOf = (issues: ReturnType<typeof diagnose>['issues']) => {
    const loss = issues.find((i) => i.kind === 'packet_loss');
    assert.ok(loss, `a packet_loss issue in ${JSON.stringify(issues)}`);
    return loss;
  };
  it("one sender's stream lossy, another sender's clean, both uplinks clean → the server leg (not the downlink)", () => {
    const input = peer([recv('A', LOSSY, 'sfu'), recv('C', CLEAN, 'sfu')]);
    const loss = lossOf(diagnose(input, ctx([cleanA, cleanC])).issues);
    assert.equal(loss.attribution.cause, 'server');
    assert.equal(loss.attribution.confidence, 'medium');
    assert.match(loss.attribution.reason, /not this peer's downlink/);
    assert.equal(loss.evidence.detail?.senders_with_data, 2);
    assert.equal(loss.evidence.detail?.senders_degraded, 1);
  });
  it('the only sender lossy, its uplink clean → the server leg, low confidence (downlink not ruled out)', () => {
    const loss = lossOf(diagnose(peer([recv('A', LOSSY, 'sfu')]), ctx([cleanA])).issues);
    assert.equal(loss.attribution.cause, 'server');
    assert.equal(loss.attribution.confidence, 'low');
    assert.match(loss.attribution.reason, /cannot be told apart/);
  });
  it("every sender's stream lossy, their uplinks clean → this peer's downlink, high confidence", () => {
    const input = peer([recv('A', LOSSY, 'sfu'), recv('C', LOSSY, 'sfu')]);
    const issues = diagnose(input, ctx([cleanA, cleanC])).issues;
    const loss = lossOf(issues);
    assert.equal(loss.attribution.cause, 'own_downlink');
    assert.equal(loss.attribution.confidence, 'high');
    assert.equal(loss.evidence.detail?.senders_degraded, 2);
  });
});

describe('no media received against the sender', () => {
  const gap = (k: number) => ({ packets: during(k, 50, 70) ? 0 : 50 });
  const recvGap = stream('pc|consumer|9', 'receive', 'audio', intervals(150, gap), {
    remotePeerId: 'A',
    topology: 'sfu',
  });
  const recvOther = stream(
    'pc|consumer|8',
    'receive',
    'audio',
    intervals(150, () => ({ packets: 50 })),
    { remotePeerId: 'B', topology: 'sfu' },
  );
  it('dropped when the sender sent nothing either, bad when it was sending', () => {
    const silentA = {
      peerId: 'A',
      aliases: [],
      producers: producerSummaries([
        stream('x|producer|9', 'send', 'audio', intervals(150, gap), { topology: 'sfu' }),
      ]),
    };
    const liveA = {
      peerId: 'A',
      aliases: [],
      producers: producerSummaries([
        stream(
          'x|producer|9',
          'send',
          'audio',
          intervals(150, () => ({ packets: 50 })),
          { topology: 'sfu' },
        ),
      ]),
    };
    const input = peer([recvGap, recvOther]);
    assert.deepEqual(
      diagnose(input, ctx([silentA])).issues.filter((i) => i.kind === 'no_media_received'),
      [],
    );
    const live = diagnose(input, ctx([liveA])).issues.filter((i) => i.kind === 'no_media_received');
    assert.equal(live.length, 1);
    assert.equal(live[0].severity, 'bad');
    assert.equal(live[0].attribution.cause, 'server');
  });
  it('without any sender: kept only when every received stream stopped together', () => {
    assert.deepEqual(diagnose(peer([recvGap, recvOther])).issues, []);
    const both = diagnose(peer([recvGap, { ...recvOther, intervals: intervals(150, gap) }])).issues;
    assert.equal(both.length, 1);
    assert.equal(both[0].kind, 'no_media_received');
    assert.equal(both[0].evidence.detail?.all_streams_silent, 1);
  });
});

describe('matching a sender', () => {
  it('by producer id, else by SSRC, and says which', () => {
    const A: SessionPeer = {
      peerId: 'A',
      aliases: [],
      producers: producerSummaries([
        stream('a|producer|777', 'send', 'audio', intervals(150, LOSSY), {
          topology: 'sfu',
          ssrc: 777,
          producerId: 'prod-1',
        }),
      ]),
    };
    const byId = diagnose(
      peer([recv('?', LOSSY, 'sfu', { remotePeerId: undefined, producerId: 'prod-1' })]),
      ctx([A, sender('B', [], 'sfu')]),
    );
    assert.equal(byId.issues[0].attribution.matched_by, 'producer_id');
    const bySsrc = diagnose(
      peer([recv('?', LOSSY, 'sfu', { remotePeerId: undefined, ssrc: 777 })]),
      ctx([A, sender('B', [], 'sfu')]),
    );
    assert.equal(bySsrc.issues[0].attribution.matched_by, 'ssrc');
    assert.equal(bySsrc.issues[0].attribution.cause, 'remote_peer');
  });
  it("by an alias (the app's custom participant id)", () => {
    const d = diagnose(
      peer([recv('custom-A', LOSSY, 'sfu')]),
      ctx([sender('A', [{ to: 'sfu', fill: LOSSY }], 'sfu'), sender('B', [], 'sfu')]),
    );
    assert.equal(d.issues[0].attribution.peer_id, 'A');
  });
});

describe('own attribution of sent streams', () => {
  it('all connections lossy → own uplink (high); one P2P connection → network path (low)', () => {
    const send = (to: string, fill: (k: number) => { lossPct: number }) =>
      stream(`pc-${to}|producer|${to.length}`, 'send', 'audio', intervals(150, fill), {
        topology: 'p2p',
        remotePeerId: to,
      });
    const both = diagnose(peer([send('A', LOSSY), send('CC', LOSSY)])).issues.find(
      (i) => i.kind === 'packet_loss',
    )!;
    assert.equal(both.attribution.cause, 'own_uplink');
    assert.equal(both.attribution.confidence, 'high');
    const one = diagnose(peer([send('A', LOSSY), send('CC', CLEAN)])).issues.find(
      (i) => i.kind === 'packet_loss',
    )!;
    assert.equal(one.attribution.cause, 'network_path');
  });
});

describe('verdicts and the stored own part', () => {
  it('a clean peer is good in every direction and medium it has', () => {
    const d = diagnose(
      peer([
        recv('A', CLEAN, 'sfu'),
        stream(
          'p|producer|1',
          'send',
          'video',
          intervals(150, () => ({ fps: 30, width: 1280, height: 720 })),
          { topology: 'sfu' },
        ),
      ]),
    );
    assert.equal(d.verdict, 'good');
    assert.deepEqual(d.verdicts, { send: { video: 'good' }, receive: { audio: 'good' } });
    assert.equal(d.summary, 'Good: no quality issue found on 2 streams.');
  });
  it('finishing twice from the stored own part gives the same answer (blame does not alter it)', () => {
    const own = JSON.parse(
      JSON.stringify(diagnoseOwn(peer([recv('A', LOSSY, 'p2p'), recv('C', CLEAN, 'p2p')]))),
    );
    const context = ctx([
      sender(
        'A',
        [
          { to: 'self', fill: LOSSY },
          { to: 'C', fill: LOSSY },
        ],
        'p2p',
      ),
      sender('C', [], 'p2p'),
    ]);
    assert.deepEqual(finishDiagnosis(own, context), finishDiagnosis(own, context));
    assert.equal(own.issues[0].attribution.cause, 'network_path');
  });
});

/**
 * "This peer's downlink when all its consumers degrade together while their senders are clean": the
 * senders' own reports (their streams' remote-inbound loss) decide, on mesh and SFU shapes.
 */
describe("downlink blame against the senders' own reports", () => {
  const lossFrom = (d: ReturnType<typeof diagnose>, from: string) => {
    const found = d.issues.find(
      (i) => i.kind === 'packet_loss' && i.streams.some((s) => s.remote_peer_id === from),
    );
    assert.ok(found, `a loss issue on the stream from ${from} in ${JSON.stringify(d.issues)}`);
    return found;
  };
  const mesh = (id: string, others: string[], uplinkLossy: boolean) =>
    sender(
      id,
      ['self', ...others].map((to) => ({ to, fill: to === 'self' || uplinkLossy ? LOSSY : CLEAN })),
      'p2p',
    );

  it("mesh: both senders' streams lossy, A's uplink lossy (its stream to C too), C clean → A's uplink for A's stream, not this peer's downlink for C's", () => {
    const input = peer([recv('A', LOSSY, 'p2p'), recv('C', LOSSY, 'p2p')]);
    const own = diagnoseOwn(input);
    assert.ok(
      own.issues.every((i) => i.attribution.cause === 'own_downlink'),
      'from its own data alone this peer sees every sender degrade: own downlink',
    );
    const d = diagnose(input, ctx([mesh('A', ['C'], true), mesh('C', ['A'], false)]));
    assert.equal(lossFrom(d, 'A').attribution.cause, 'remote_peer');
    assert.equal(lossFrom(d, 'A').attribution.peer_id, 'A');
    const fromC = lossFrom(d, 'C').attribution;
    assert.equal(fromC.cause, 'network_path', fromC.reason);
    assert.equal(fromC.peer_id, 'C');
    assert.match(fromC.reason, /own uplink, so all streams degrading together does not show/);
  });
  it("mesh of four: three senders lossy, one of them with a lossy uplink, the two others clean → still this peer's downlink for those two", () => {
    const input = peer([recv('A', LOSSY, 'p2p'), recv('C', LOSSY, 'p2p'), recv('D', LOSSY, 'p2p')]);
    const d = diagnose(
      input,
      ctx([
        mesh('A', ['C', 'D'], true),
        mesh('C', ['A', 'D'], false),
        mesh('D', ['A', 'C'], false),
      ]),
    );
    assert.equal(lossFrom(d, 'A').attribution.cause, 'remote_peer');
    for (const from of ['C', 'D']) {
      const a = lossFrom(d, from).attribution;
      assert.equal(a.cause, 'own_downlink', a.reason);
      assert.equal(a.confidence, 'high');
    }
  });
  it('mesh: every sender clean elsewhere → own downlink, high; a sender without any report leaves it as found', () => {
    const input = peer([recv('A', LOSSY, 'p2p'), recv('C', LOSSY, 'p2p')]);
    const clean = diagnose(input, ctx([mesh('A', ['C'], false), mesh('C', ['A'], false)]));
    assert.equal(lossFrom(clean, 'A').attribution.cause, 'own_downlink');
    assert.equal(lossFrom(clean, 'A').attribution.confidence, 'high');
    // No other peer reported (an import): this peer's own finding stands, at its own confidence.
    const alone = diagnose(input);
    assert.equal(lossFrom(alone, 'A').attribution.cause, 'own_downlink');
    assert.equal(lossFrom(alone, 'A').attribution.confidence, 'medium');
  });
  it("SFU: both senders' streams lossy, A's uplink to the server lossy, C's clean → A for A's stream; C's stream is the server leg or this downlink, not shown to be the downlink", () => {
    const input = peer([recv('A', LOSSY, 'sfu'), recv('C', LOSSY, 'sfu')]);
    const d = diagnose(
      input,
      ctx([
        sender('A', [{ to: 'sfu', fill: LOSSY }], 'sfu'),
        sender('C', [{ to: 'sfu', fill: CLEAN }], 'sfu'),
      ]),
    );
    assert.equal(lossFrom(d, 'A').attribution.cause, 'remote_peer');
    const fromC = lossFrom(d, 'C').attribution;
    assert.equal(fromC.cause, 'server', fromC.reason);
    assert.equal(fromC.confidence, 'low');
    assert.match(fromC.reason, /own uplink/);
  });
  it('two peers on P2P: the one sender reports the same loss on its stream to this peer → still ambiguous, never the sender nor this downlink', () => {
    const d = diagnose(peer([recv('A', LOSSY, 'p2p')]), ctx([mesh('A', [], true)]));
    const a = lossFrom(d, 'A').attribution;
    assert.equal(a.cause, 'network_path');
    assert.equal(a.confidence, 'low');
    assert.match(a.reason, /ambiguous: two peers on P2P/);
  });
});

/** Attribution of bandwidth limitation on P2P: every connection limited at once → this peer's uplink. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseOwn } from '../../../src/analytics/diagnosis/engine.ts';
import { during, intervals, peer, stream } from './build-input.ts';

const limitedVideo = (pc: string, remote: string, limited: (k: number) => boolean) =>
  stream(
    `${pc}|producer|${pc.length}`,
    'send',
    'video',
    intervals(60, (k) => ({
      limitation: limited(k) ? 'bandwidth' : 'other',
      fps: 15,
      width: 320,
      height: 240,
    })),
    { pc, topology: 'p2p', remotePeerId: remote },
  );

describe('bandwidth limitation in a P2P mesh', () => {
  it('limited on both connections at the same time → own uplink (high)', () => {
    const own = diagnoseOwn(
      peer([
        limitedVideo('to-b', 'B', (k) => during(k, 20, 40)),
        limitedVideo('to-cc', 'C', (k) => during(k, 22, 40)),
      ]),
    );
    const limited = own.issues.filter((i) => i.kind === 'bandwidth_limited');
    assert.equal(limited.length, 2, JSON.stringify(own.issues));
    for (const i of limited) {
      assert.equal(i.attribution.cause, 'own_uplink', i.attribution.reason);
      assert.equal(i.attribution.confidence, 'high');
    }
  });
  it('limited on one connection only → the path (the receiver may be the narrow end)', () => {
    const own = diagnoseOwn(
      peer([
        limitedVideo('to-b', 'B', (k) => during(k, 20, 40)),
        limitedVideo('to-cc', 'C', () => false),
      ]),
    );
    const limited = own.issues.filter((i) => i.kind === 'bandwidth_limited');
    assert.equal(limited.length, 1, JSON.stringify(own.issues));
    assert.equal(limited[0].attribution.cause, 'network_path', limited[0].attribution.reason);
  });
  it('a single P2P connection stays the path', () => {
    const own = diagnoseOwn(peer([limitedVideo('to-b', 'B', (k) => during(k, 20, 40))]));
    const limited = own.issues.filter((i) => i.kind === 'bandwidth_limited');
    assert.equal(limited.length, 1, JSON.stringify(own.issues));
    assert.equal(limited[0].attribution.cause, 'network_path', limited[0].attribution.reason);
  });
});

describe('a low available outgoing bitrate', () => {
  const sender = (kbps: number) =>
    stream(
      'to-b|producer|1',
      'send',
      'video',
      intervals(60, () => ({
        limitation: 'other',
        fps: 10,
        width: 160,
        height: 120,
        availableOutgoingKbps: 250,
        bitrateBps: kbps * 1000,
      })),
      { pc: 'to-b', topology: 'p2p', remotePeerId: 'B' },
    );
  it('limits a sender that uses most of it', () => {
    const own = diagnoseOwn(peer([sender(200)]));
    assert.equal(own.issues.filter((i) => i.kind === 'bandwidth_limited').length, 1);
  });
  it('does not limit a sender well under it (its estimate stays low because it never needs more)', () => {
    const own = diagnoseOwn(peer([sender(80)]));
    assert.deepEqual(
      own.issues.map((i) => i.kind),
      [],
    );
  });
});

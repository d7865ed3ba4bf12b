/** Attribution of bandwidth limitation on P2P: every connection limited at once → this peer's uplink. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseOwn } from '../../../src/analytics/diagnosis/engine.ts';
import { at, during, intervals, peer, stream } from './build-input.ts';

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

/**
 * Fixtures shaped on the scenario suite's capped mesh (A behind a 300 kbit/s uplink cap shared by its two
 * connections): 320x240 at 15 fps wanted, Chrome's reason `none` throughout, the encoder's target following
 * the estimate down to its 30 kbit/s floor, frames dropped instead of resolution steps.
 */
describe('a starved encoder that Chrome does not call limited', () => {
  const capped = (pc: string, remote: string, phase: number) =>
    stream(
      `${pc}|producer|${pc.length}`,
      'send',
      'video',
      intervals(50, (k) => {
        const ab = 85 + ((k + phase) % 6) * 20; // 85–185 kbit/s, the two estimates out of step
        const tb = Math.max(30, ab - 60);
        return {
          limitation: 'other',
          width: 320,
          height: 240,
          fps: tb <= 40 ? 7 : 15,
          availableOutgoingKbps: ab,
          targetKbps: tb,
          bitrateBps: Math.max(28, tb * 0.9) * 1000,
        };
      }),
      { pc, topology: 'p2p', remotePeerId: remote },
    );
  it('target far under the picture’s need, estimate under it too, the target used → limited, on both connections → own uplink', () => {
    const own = diagnoseOwn(peer([capped('to-b', 'B', 0), capped('to-cc', 'C', 3)]));
    const limited = own.issues.filter((i) => i.kind === 'bandwidth_limited');
    assert.equal(limited.length, 2, JSON.stringify(own.issues));
    for (const i of limited) {
      assert.equal(i.attribution.cause, 'own_uplink', i.attribution.reason);
      assert.equal(i.evidence.detail?.lowest_target_kbps, 30);
      assert.equal(i.evidence.detail?.fps_lowest, 7);
      // Not before the 30 s ramp-up.
      assert.ok(
        i.start >= at(28),
        `its first interval ends after the ramp-up: ${i.start - at(0)} ms`,
      );
    }
  });
  it('an unimpaired sender (target 600 at its own maximum, estimate 1,300, sending 60 kbit/s) is not limited', () => {
    const s = stream(
      'to-a|producer|1',
      'send',
      'video',
      intervals(50, () => ({
        limitation: 'other',
        width: 160,
        height: 120,
        fps: 10,
        availableOutgoingKbps: 1300,
        targetKbps: 600,
        bitrateBps: 60_000,
      })),
      { pc: 'to-a', topology: 'p2p', remotePeerId: 'A' },
    );
    assert.deepEqual(diagnoseOwn(peer([s])).issues, []);
  });
  it("an app's own bitrate cap (low target, high estimate) is not bandwidth", () => {
    const s = stream(
      'to-a|producer|1',
      'send',
      'video',
      intervals(50, () => ({
        limitation: 'other',
        width: 640,
        height: 360,
        fps: 15,
        availableOutgoingKbps: 2500,
        targetKbps: 150,
        bitrateBps: 150_000,
      })),
      { pc: 'to-a', topology: 'p2p', remotePeerId: 'A' },
    );
    assert.deepEqual(diagnoseOwn(peer([s])).issues, []);
  });
  it('an application-limited sender (sends under half its low target) is not limited', () => {
    const s = stream(
      'to-a|producer|1',
      'send',
      'video',
      intervals(50, () => ({
        limitation: 'other',
        width: 320,
        height: 240,
        fps: 15,
        availableOutgoingKbps: 180,
        targetKbps: 120,
        bitrateBps: 40_000,
      })),
      { pc: 'to-a', topology: 'p2p', remotePeerId: 'A' },
    );
    assert.deepEqual(diagnoseOwn(peer([s])).issues, []);
  });
  it('one connection with its own episode, the other starved most of that time but in pieces too short for an issue → own uplink (medium)', () => {
    const own = diagnoseOwn(
      peer([
        limitedVideo('to-b', 'B', (k) => during(k, 16, 30)),
        // Limited 8 s in every 16 s: each run shorter than the 10 s an issue needs, the gaps too long to merge them.
        stream(
          'to-cc|producer|5',
          'send',
          'video',
          intervals(60, (k) => ({
            limitation: k % 8 < 4 ? 'bandwidth' : 'other',
            fps: 15,
            width: 320,
            height: 240,
          })),
          { pc: 'to-cc', topology: 'p2p', remotePeerId: 'C' },
        ),
      ]),
    );
    const onB = own.issues.filter(
      (i) => i.kind === 'bandwidth_limited' && i.streams[0].key.startsWith('to-b'),
    );
    assert.equal(onB.length, 1, JSON.stringify(own.issues));
    assert.equal(onB[0].attribution.cause, 'own_uplink', onB[0].attribution.reason);
    assert.equal(onB[0].attribution.confidence, 'medium');
    assert.match(onB[0].attribution.reason, /without an issue of their own/);
  });
});

describe('the starved-encoder signal is for camera video only', () => {
  it('a 1080p screen share sending its 1 Mbit/s target under a 1.5 Mbit/s estimate is not limited', () => {
    const s = stream(
      'pc|producer|7',
      'send',
      'screenshare',
      intervals(50, () => ({
        limitation: 'other',
        width: 1920,
        height: 1080,
        fps: 5,
        availableOutgoingKbps: 1500,
        targetKbps: 1000,
        bitrateBps: 900_000,
      })),
      { topology: 'sfu' },
    );
    assert.deepEqual(diagnoseOwn(peer([s])).issues, []);
  });
});

/** Received packet counts under the W3C semantics: own packets, packets counted lost, lost and repaired. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  lostPackets,
  ownPackets,
  repairedPackets,
} from '../../../src/analytics/diagnosis/received-counts.ts';
import { at } from './build-input.ts';

const iv = (over: Record<string, number>) => ({ t: at(2), d: 2, ...over });

describe('received counts', () => {
  it('own packets: retransmissions (a subset of packetsReceived) taken out, never below 0', () => {
    assert.equal(ownPackets(iv({ packets: 1556, retransmittedPackets: 1255 })), 301);
    assert.equal(
      ownPackets(iv({ packets: 90 })),
      90,
      'no RTX count: every packet is the stream own',
    );
    assert.equal(ownPackets(iv({ packets: 10, retransmittedPackets: 12 })), 0);
    assert.equal(ownPackets(iv({})), undefined);
  });
  it('packets counted lost, back from the loss over own packets', () => {
    const lost = lostPackets(
      iv({ packets: 1556, retransmittedPackets: 1255, lossPct: (30 / 331) * 100 }),
    );
    assert.ok(Math.abs((lost ?? 0) - 30) < 1e-9, `30 lost, got ${lost}`);
    assert.equal(lostPackets(iv({ packets: 0, lossPct: 100 })), undefined);
  });
  it('lost and repaired: with RTX at most the packets counted lost (probes repair nothing); without it the NACKs', () => {
    assert.equal(
      repairedPackets(iv({ packets: 146, retransmittedPackets: 146, lossPct: 0 })),
      0,
      'an interval of probes only',
    );
    const r = repairedPackets(
      iv({ packets: 1556, retransmittedPackets: 1255, lossPct: (30 / 331) * 100, nackCount: 13 }),
    );
    assert.ok(Math.abs((r ?? 0) - 30) < 1e-9, `at most the 30 lost, got ${r}`);
    assert.equal(repairedPackets(iv({ packets: 200, lossPct: 0, nackCount: 20 })), 20);
    assert.equal(repairedPackets(iv({ packets: 200 })), undefined);
  });
});

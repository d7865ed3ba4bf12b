/** Received loss net of late arrivals: packets counted lost, then arriving, are not loss. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossNetOfLateArrivals } from '../../../src/analytics/diagnosis/late-arrivals.ts';
import { lossIssues } from '../../../src/analytics/diagnosis/network-rules.ts';
import { during, intervals, stream } from './build-input.ts';

// 100 packets received per 2 s interval; 8 counted lost (7.4 %) in each interval of a reordering burst,
// and those 8 arriving in the next interval.
const reordering = intervals(30, (k) => ({
  lossPct: during(k, 5, 20) ? (8 / 108) * 100 : 0,
  repairedPackets: during(k, 6, 21) ? 8 : 0,
}));

describe('loss net of late arrivals', () => {
  it('packets that arrived in the next interval are not lost: no loss issue', () => {
    const net = lossNetOfLateArrivals(reordering);
    assert.ok(net, 'netted');
    assert.ok(
      net.every((v) => v === 0),
      `every interval nets to 0: ${net.join(', ')}`,
    );
    assert.deepEqual(lossIssues(stream('a', 'receive', 'audio', reordering)), []);
  });
  it('without late arrivals the rows stand, and real loss is still an issue', () => {
    const lossy = intervals(30, (k) => ({ lossPct: during(k, 5, 20) ? 10 : 0 }));
    assert.equal(lossNetOfLateArrivals(lossy), undefined);
    const issues = lossIssues(stream('a', 'receive', 'audio', lossy));
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0].severity, 'poor');
  });
  it('only what arrived late is netted: 10 lost, 4 of them late → 6 lost', () => {
    const partly = intervals(30, (k) => ({
      lossPct: during(k, 5, 20) ? (10 / 110) * 100 : 0,
      repairedPackets: during(k, 6, 21) ? 4 : 0,
    }));
    const net = lossNetOfLateArrivals(partly)!;
    assert.ok(Math.abs(net[10]! - (6 / 106) * 100) < 1e-9, `interval 10: ${net[10]}`);
    const issues = lossIssues(stream('a', 'receive', 'audio', partly));
    assert.equal(issues.length, 1, JSON.stringify(issues));
  });
  it('sent streams are not netted (their loss is the receiver’s RTCP figure)', () => {
    assert.equal(lossIssues(stream('a', 'send', 'audio', reordering)).length, 1);
  });
});

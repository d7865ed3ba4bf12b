/** Loss net of late arrivals: packets counted lost, then arriving, are not loss (both directions). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossNetOfLateArrivals } from '../../../src/analytics/diagnosis/late-arrivals.ts';
import { lossIssues } from '../../../src/analytics/diagnosis/network-rules.ts';
import { at, during, intervals, stream } from './build-input.ts';

// 100 packets received per 2 s interval; 8 counted lost (7.4 %) in each interval of a reordering burst,
// and those 8 arriving in the next interval.
const reordering = intervals(30, (k) => ({
  lossPct: during(k, 5, 20) ? (8 / 108) * 100 : 0,
  repairedPackets: during(k, 6, 21) ? 8 : 0,
}));

describe('loss net of late arrivals', () => {
  it('packets that arrived in the next interval are not lost: no loss issue', () => {
    const net = lossNetOfLateArrivals(reordering, 'receive');
    assert.ok(net, 'netted');
    assert.ok(
      net.every((v) => v === 0),
      `every interval nets to 0: ${net.join(', ')}`,
    );
    assert.deepEqual(lossIssues(stream('a', 'receive', 'audio', reordering)), []);
  });
  it('without late arrivals the rows stand, and real loss is still an issue', () => {
    const lossy = intervals(30, (k) => ({ lossPct: during(k, 5, 20) ? 10 : 0 }));
    assert.equal(lossNetOfLateArrivals(lossy, 'receive'), undefined);
    const issues = lossIssues(stream('a', 'receive', 'audio', lossy));
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0].severity, 'poor');
  });
  it('only what arrived late is netted: 10 lost, 4 of them late → 6 lost', () => {
    const partly = intervals(30, (k) => ({
      lossPct: during(k, 5, 20) ? (10 / 110) * 100 : 0,
      repairedPackets: during(k, 6, 21) ? 4 : 0,
    }));
    const net = lossNetOfLateArrivals(partly, 'receive')!;
    assert.ok(Math.abs(net[10]! - (6 / 106) * 100) < 1e-9, `interval 10: ${net[10]}`);
    const issues = lossIssues(stream('a', 'receive', 'audio', partly));
    assert.equal(issues.length, 1, JSON.stringify(issues));
  });
  it('a fall settles an earlier rise more than 5 s back when newer ones are settled (the scenario case)', () => {
    // Rows of a real bursty-jitter receiver (1 s intervals, ~50 packets each): the counter rises 6 and 2, falls
    // 5, rises 2, and falls 5 more than 5 s after the first rise. Every packet arrived: no interval keeps loss.
    const rows: [lost: number, repaired: number][] = [
      [0, 0],
      [6, 0],
      [2, 0],
      [0, 5],
      [2, 0],
      [0, 0],
      [0, 5],
      [5, 0],
      [0, 0],
      [0, 2],
      [2, 0],
      [0, 3],
      [0, 2],
    ];
    const ivs = rows.map(([lost, repaired], k) => ({
      t: at(k * 1.004 + 1), // a browser samples every 1.004 s, not 1 s
      d: 1.004,
      packets: 50,
      lossPct: (lost / (50 + lost)) * 100,
      countedLost: lost,
      repairedPackets: repaired,
    }));
    const net = lossNetOfLateArrivals(ivs, 'receive')!;
    assert.ok(
      net.every((v) => v === 0),
      `every interval nets to 0: ${net.join(', ')}`,
    );
    assert.deepEqual(lossIssues(stream('a', 'receive', 'audio', ivs)), []);
  });
  it('real loss between reordering bursts stays lost: the counter never comes back below it', () => {
    // A reordering path (8 counted, 8 arriving next) that also loses 6 packets per interval for 20 s.
    const mixed = intervals(30, (k) => {
      const lost = (during(k, 5, 20) ? 8 : 0) + (during(k, 8, 18) ? 6 : 0);
      return {
        lossPct: (lost / (100 + lost)) * 100,
        countedLost: lost,
        repairedPackets: during(k, 6, 21) ? 8 : 0,
      };
    });
    const net = lossNetOfLateArrivals(mixed, 'receive')!;
    assert.ok(Math.abs(net[10]! - (6 / 106) * 100) < 1e-9, `interval 10: ${net[10]}`);
    assert.equal(net[6], 0, `interval 6: ${net[6]}`);
    const issues = lossIssues(stream('a', 'receive', 'audio', mixed));
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0].start, at(2 * 8), 'the episode starts with the real loss');
  });
  it('a live tail: loss not yet taken back stands until the packets arrive', () => {
    const live = intervals(10, (k) => ({
      lossPct: k >= 2 ? (8 / 108) * 100 : 0,
      countedLost: k >= 2 ? 8 : 0,
      repairedPackets: k >= 3 && k < 9 ? 8 : 0,
    }));
    const net = lossNetOfLateArrivals(live, 'receive')!;
    assert.equal(net[5], 0, 'settled by the next interval');
    assert.ok(Math.abs(net[9]! - (8 / 108) * 100) < 1e-9, `the newest interval: ${net[9]}`);
  });
  it('sent streams: the receiver’s fraction lost is scaled by the share its counter took back', () => {
    // The sender's view from RTCP: fractionLost 7.03 % (18/256) in intervals whose cumulative count rose 1,
    // and the count falling back by 1 in the next interval: reordering on the path, not loss.
    const sent = intervals(30, (k) => ({
      lossPct: during(k, 5, 20) ? 7.03 : 0,
      countedLost: during(k, 5, 20) ? 1 : 0,
      repairedPackets: during(k, 6, 21) ? 1 : 0,
    }));
    const net = lossNetOfLateArrivals(sent, 'send')!;
    assert.ok(
      net.every((v) => v === 0),
      `every interval nets to 0: ${net.join(', ')}`,
    );
    assert.deepEqual(lossIssues(stream('a', 'send', 'video', sent)), []);
    // Half of it taken back: half the fraction stays.
    const half = intervals(30, (k) => ({
      lossPct: during(k, 5, 20) ? 8 : 0,
      countedLost: during(k, 5, 20) ? 2 : 0,
      repairedPackets: during(k, 6, 21) ? 1 : 0,
    }));
    assert.equal(lossNetOfLateArrivals(half, 'send')![10], 4);
  });
  it('sent streams: a report repeated on the rows until the next one takes that report’s share', () => {
    // Audio RTCP comes every ~5 s: a report says 3.52 % lost (its counter rose 3) and stays on the next rows
    // until the following report, whose counter falls by 3 (the "lost" packets arrived), as measured.
    const rows: [loss: number, lost: number, repaired: number][] = [
      [3.52, 3, 0],
      [3.52, 0, 0],
      [3.52, 0, 0],
      [3.52, 0, 0],
      [3.52, 0, 0],
      [3.52, 0, 0],
      [3.52, 0, 0],
      [0, 0, 3],
      [0, 0, 0],
      [1.17, 3, 0],
      [1.17, 0, 0],
      [1.17, 0, 0],
      [1.17, 0, 0],
      [0.39, 2, 0],
      [0.39, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
      [2, 1, 0],
      [2, 0, 0],
    ];
    const ivs = rows.map(([lossPct, countedLost, repairedPackets], k) => ({
      t: at(k + 1),
      d: 1,
      packets: 50,
      lossPct,
      countedLost,
      repairedPackets,
    }));
    const net = lossNetOfLateArrivals(ivs, 'send')!;
    assert.deepEqual(
      net.slice(0, 9),
      Array(9).fill(0),
      `the first report settled: ${net.join(', ')}`,
    );
    assert.deepEqual(net.slice(9, 13), Array(4).fill(1.17), 'the second was never taken back');
    assert.deepEqual(net.slice(13, 15), [0.195, 0.195], 'half of the third stays');
    assert.deepEqual(net.slice(17), [2, 2], 'nor was the last');
  });
  it('a sent stream without falls keeps the receiver’s figure', () => {
    const lossy = intervals(30, (k) => ({ lossPct: during(k, 5, 20) ? 10 : 0, countedLost: 1 }));
    assert.equal(lossNetOfLateArrivals(lossy, 'send'), undefined);
    assert.equal(lossIssues(stream('a', 'send', 'audio', lossy)).length, 1);
  });
});

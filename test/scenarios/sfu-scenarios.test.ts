/**
 * Labelled SFU scenarios in real Chromium (issue 13, "How it is proven"):
 * three peers A, B, C call through a small forwarding SFU written with werift
 * (`support/sfu-forwarder.ts`); each browser reaches it through coturn behind
 * its own lossy UDP proxy, its access network. Each scenario impairs one leg,
 * and every peer's diagnosis, read from the real server's peer report, must
 * match the committed label table `sfu-labels.json`: the top issue (kind,
 * direction, cause and the peer at fault) and the directions that stay clean.
 * A label marked `known_miss` is checked to still miss the way it is recorded
 * (so a fix shows up as a failing test to update, not as silence).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { startCoturn, type Coturn } from '../browser/support/coturn.ts';
import {
  startBrowserEnvironment,
  type BrowserEnvironment,
} from '../browser/support/environment.ts';
import type { Impairment } from '../browser/support/udp-impair-proxy.ts';
import { runSfuCall, type DiagnosisJson, type SfuCallResult } from './support/sfu-call.ts';
import { describeTop, labelMismatches, type PeerLabel } from './support/sfu-label-check.ts';
import { startStunProbe, type StunProbe } from './support/stun-probe.ts';

interface Scenario {
  name: string;
  description: string;
  networks: Record<string, { uplink?: Impairment; downlink?: Impairment }>;
  talk_ms: number;
  peers: Record<string, PeerLabel>;
  status: 'expected' | 'known_miss';
  measured?: Record<string, string>;
  reason?: string;
}

const table = JSON.parse(readFileSync(new URL('./sfu-labels.json', import.meta.url), 'utf8')) as {
  scenarios: Scenario[];
};
const PEERS = ['A', 'B', 'C'];

const peerOf = (r: SfuCallResult, id: string | undefined) =>
  Object.entries(r.peerIds).find(([, v]) => v === id)?.[0];

let env: BrowserEnvironment;
let turn: Coturn;
let probe: StunProbe;
/** The SFU forwards a packet within a ms or two; a packet loop this late held every leg's media. */
const SFU_STALL_MS = 200;
/** The TURN server answers a STUN request in a few ms on loopback; this late, it stalled (as in the P2P suite). */
const TURN_STALL_MS = 500;
const results = new Map<string, SfuCallResult>();

before(
  async () => {
    env = await startBrowserEnvironment();
    turn = await startCoturn();
    env.defer(() => turn.close());
    probe = await startStunProbe(turn.host, turn.port);
    env.defer(() => probe.close());
    for (const s of table.scenarios) {
      // A real call on a shared machine through a forwarding SFU written for the test (werift): a call whose label
      // missed is run once more and the last run is checked; a systematic miss fails both runs. Unlike the P2P
      // suite, no sign of starvation is required: a CI run at load 1.0 with a quiet SFU loop (45 ms) and TURN
      // (2 ms) gave B, whose legs are clean, a `fair` RTT episode on its leg to the test's SFU (whose RTCP timing is
      // the harness's, not the product's). The starvation figures are logged with each run: the load average, the
      // SFU's packet-loop delay and the TURN server's answer to a STUN probe (as in the P2P suite).
      for (let attempt = 1; attempt <= 2; attempt++) {
        const r = await runSfuCall(env, {
          label: `${s.name}-${attempt}`,
          peers: PEERS,
          talkMs: s.talk_ms,
          networks: s.networks,
          turn,
          probe,
        });
        results.set(s.name, r);
        const load = os.loadavg()[0];
        const missed = PEERS.filter(
          (p) => labelMismatches(r.diagnoses[p], s.peers[p], (id) => peerOf(r, id)).length > 0,
        );
        for (const p of PEERS)
          console.log(
            `${s.name} (run ${attempt}, load ${load.toFixed(1)}, starvation ${JSON.stringify(r.starvation)}) ${p}: ${r.diagnoses[p].verdict}, top ${describeTop(r.diagnoses[p], r.peerIds)}; ${r.diagnoses[p].summary}`,
          );
        const starved =
          load > 2 * os.cpus().length ||
          r.starvation.sfuLoopMaxDelayMs > SFU_STALL_MS ||
          (r.starvation.turnWorstMs ?? 0) > TURN_STALL_MS;
        if (s.status === 'known_miss' || missed.length === 0 || !starved) break;
        if (attempt === 1)
          console.log(
            `${s.name}: ${missed.join(', ')} missed on a starved machine: running it again`,
          );
      }
    }
  },
  { timeout: 600_000 },
);

after(() => env?.close());

for (const s of table.scenarios) {
  describe(`${s.name}: ${s.description}`, () => {
    test('the SFU forwarded every publisher to both subscribers, and the proxies impaired as set', () => {
      const r = results.get(s.name);
      assert.ok(r, `scenario ${s.name} ran`);
      for (const [producer, c] of Object.entries(r.counters)) {
        assert.ok(c.received > 100, `${producer}: ${c.received} packets reached the SFU`);
        assert.equal(c.forwarded, 2 * c.received, `${producer} forwarded to both subscribers`);
      }
      for (const [name, net] of Object.entries(s.networks))
        for (const [dir, imp] of [
          ['upstream', net.uplink],
          ['downstream', net.downlink],
        ] as const) {
          if (!imp) continue;
          const { forwarded, dropped } = r.proxies[name][dir];
          const share = dropped / Math.max(1, forwarded + dropped);
          assert.ok(
            Math.abs(share - imp.loss) < 0.03,
            `${name} ${dir}: dropped ${dropped} of ${forwarded + dropped}`,
          );
        }
    });

    for (const p of PEERS) {
      const label = s.peers[p];
      test(`${p}: ${JSON.stringify(label)}${s.status === 'known_miss' ? ' (known miss)' : ''}`, () => {
        const r = results.get(s.name);
        assert.ok(r, `scenario ${s.name} ran`);
        const d: DiagnosisJson = r.diagnoses[p];
        const misses = labelMismatches(d, label, (id) => peerOf(r, id));
        const detail = `${describeTop(d, r.peerIds)}; issues: ${JSON.stringify(
          d.issues.map((i) => [
            i.kind,
            i.severity,
            i.direction,
            i.medium,
            i.attribution.cause,
            peerOf(r, i.attribution.peer_id),
            i.attribution.reason,
          ]),
        ).slice(0, 3000)}`;
        if (s.status === 'known_miss')
          assert.ok(
            misses.length > 0,
            `${s.name} ${p} now matches its label: mark it expected (${detail})`,
          );
        else assert.deepEqual(misses, [], `${s.name} ${p}: ${detail}`);
      });
    }
  });
}

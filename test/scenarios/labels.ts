/**
 * The labelled scenario suite's answer key: for each real-Chromium P2P scenario
 * (`p2p-scenarios.test.ts` sets up its network), what each peer's report must
 * say. Peers are named A, B, C (A is the first peer, the impaired one).
 *
 * Per peer, either or both of:
 * - `top`: the report's most important issue (severity, then length, as the
 *   engine orders them), optionally among the issues of one direction only:
 *   its `kind`, its `attribution.cause` and, for `remote_peer`, the peer it names;
 * - `clean`: no issue at all (every issue is at least `fair`) in that scope:
 *   `all`, or the issues of one direction (`receive`, `send`);
 * - `notBlamed`: no issue puts the cause on this peer (`own_uplink`,
 *   `own_downlink`, `own_device`): what it sent may still have arrived damaged
 *   through another peer's network, and its report says so, on the path.
 *
 * A label that could not be met after real effort is kept with `knownMiss`: the
 * outcome measured and why; the test then runs it as a todo (reported, not failing).
 */
import type { Cause, Direction, IssueKind } from '../../src/analytics/diagnosis/types.ts';

export type PeerName = 'A' | 'B' | 'C';

/** What one peer's report must say. */
export interface PeerLabel {
  top?: { kind: IssueKind; cause: Cause; peer?: PeerName; direction?: Direction };
  clean?: 'all' | Direction;
  notBlamed?: true;
}

export interface ScenarioLabel {
  /** What the network does. */
  description: string;
  peers: Partial<Record<PeerName, PeerLabel>>;
  knownMiss?: { measured: string; reason: string };
}

const TABLE = {
  'clean call': {
    description: '2 peers, host candidates, no impairment',
    peers: { A: { clean: 'all' }, B: { clean: 'all' } },
  },
  'mesh, A uplink 10 % loss': {
    description: "3-peer mesh over TURN; A's proxy drops 10 % of A's outgoing datagrams",
    peers: {
      A: { top: { kind: 'packet_loss', cause: 'own_uplink', direction: 'send' }, clean: 'receive' },
      B: {
        top: { kind: 'packet_loss', cause: 'remote_peer', peer: 'A', direction: 'receive' },
        notBlamed: true,
      },
      C: {
        top: { kind: 'packet_loss', cause: 'remote_peer', peer: 'A', direction: 'receive' },
        notBlamed: true,
      },
    },
  },
  'mesh, A downlink 10 % loss': {
    description: "3-peer mesh over TURN; A's proxy drops 10 % of the datagrams coming to A",
    peers: {
      A: { top: { kind: 'packet_loss', cause: 'own_downlink', direction: 'receive' } },
      // B's and C's streams to A arrive damaged (A's receiver reports say so): their send side shows the
      // loss on the path to A, never on their own network.
      B: { clean: 'receive', notBlamed: true },
      C: { clean: 'receive', notBlamed: true },
    },
  },
  'A uplink capped at 300 kbit/s': {
    description: "3-peer mesh over TURN; A's proxy caps A's outgoing traffic at 300 kbit/s",
    peers: {
      A: { top: { kind: 'bandwidth_limited', cause: 'own_uplink', direction: 'send' } },
    },
  },
  '400 ms added delay': {
    description: "2 peers over TURN; one proxy delays each peer's outgoing datagrams by 200 ms",
    peers: {
      A: { top: { kind: 'high_rtt', cause: 'network_path' } },
      B: { top: { kind: 'high_rtt', cause: 'network_path' } },
    },
  },
  'bursty jitter': {
    description:
      "2 peers over TURN; A's outgoing datagrams get 0–300 ms random delay (reordering), 5 s in every 6 s",
    peers: {
      B: { top: { kind: 'jitter', cause: 'network_path', direction: 'receive' } },
    },
  },
  'relay over TCP': {
    description: 'A reaches coturn over TCP only (relay policy), B over UDP',
    peers: { A: { top: { kind: 'relay_over_tcp', cause: 'network_path' } } },
  },
  'UDP blocked, no TURN': {
    description: 'every candidate leads to a UDP blackhole; no TURN server',
    peers: {
      A: { top: { kind: 'ice_failed', cause: 'network_path' } },
      B: { top: { kind: 'ice_failed', cause: 'network_path' } },
    },
  },
  'track stopped mid-call': {
    description: 'A stops its camera track (track.stop()) halfway through a 2-peer call',
    peers: {
      A: { top: { kind: 'device_problem', cause: 'own_device', direction: 'send' } },
      B: { clean: 'all' },
    },
  },
} satisfies Record<string, ScenarioLabel>;

export type ScenarioName = keyof typeof TABLE;

/** Scenario → label. */
export const LABELS: Readonly<Record<ScenarioName, ScenarioLabel>> = TABLE;

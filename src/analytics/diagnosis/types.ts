/**
 * The diagnosis engine's contract: what its rules read (a small typed view of
 * one peer's telemetry, filled from today's metric rows, events and candidate
 * pairs by `from-metric-rows.ts` and `src/analytics/diagnosis/diagnosis-input.ts`) and what
 * it answers (a verdict, a sentence, and explained issues). Pure types.
 */

/** Quality ladder, best first. */
export type Verdict = 'good' | 'fair' | 'poor' | 'bad';

/** Severity of an issue: a verdict worse than good. */
export type Severity = Exclude<Verdict, 'good'>;

/** Which way media flows, seen from the diagnosed peer. */
export type Direction = 'send' | 'receive';

/** Medium of a stream; screen-share audio and video count as `screenshare`. */
export type Medium = 'audio' | 'video' | 'screenshare';

/** Where the connection of a stream goes, when the app said so (`pc_metadata.role`). */
export type Topology = 'sfu' | 'p2p' | 'unknown';

/**
 * One interval of one stream, as the rules read it. Every figure describes
 * the interval that ends at `t` (length `d` seconds); absent when unknown.
 * The optional fields at the end come from the richer per-interval rows
 * (NACK/PLI/FIR, retransmissions, freezes, concealment, bandwidth estimate):
 * rules use them when present and fall back to the older figures otherwise.
 */
export interface DiagnosisInterval {
  /** Epoch ms at the end of the interval. */
  t: number;
  /** Interval length, s. */
  d?: number;
  lossPct?: number;
  rttMs?: number;
  jitterMs?: number;
  jitterBufferMs?: number;
  mos?: number;
  fps?: number;
  width?: number;
  height?: number;
  bitrateBps?: number;
  /** Packets received (receive) or sent (send) in the interval. */
  packets?: number;
  /** Video: no frame flowed in the interval. */
  noVideo?: boolean;
  /** Sender's dominant quality-limitation reason in the interval. */
  limitation?: 'bandwidth' | 'cpu' | 'other';
  /** Share of the interval spent frozen, 0..1. */
  freezeRatio?: number;
  /** NACK + PLI + FIR in the interval (today's combined counter). */
  feedback?: number;
  // Richer inputs (mapped in when the rows carry them).
  nackCount?: number;
  pliCount?: number;
  firCount?: number;
  retransmittedPackets?: number;
  fecPacketsReceived?: number;
  /** Receive: FEC packets whose repair was not used (a subset of `fecPacketsReceived`). */
  fecPacketsDiscarded?: number;
  freezeCount?: number;
  freezeDurationMs?: number;
  /** Audio received: concealed samples, percent of samples played in the interval. */
  concealedPct?: number;
  /** Send: the transport's `availableOutgoingBitrate`, kbit/s. */
  availableOutgoingKbps?: number;
  /** Send: the encoder's `targetBitrate`, kbit/s. */
  targetKbps?: number;
  /** Packets counted lost in the interval: the counter's rise, clamped at 0 (row `pl`). */
  countedLost?: number;
  /**
   * Packets counted lost in earlier intervals that arrived in this one (late or
   * retransmitted; row `rp`): the counter's fall. Receive: this peer's counter;
   * send: the receiver's, from its RTCP reports. The loss rule nets them out.
   */
  repairedPackets?: number;
}

/** One stream of the diagnosed peer, with what is known of who is at the other end. */
export interface DiagnosisStream {
  /** `pc|producer|ssrc` or `pc|consumer|ssrc`. */
  key: string;
  direction: Direction;
  medium: Medium;
  pc?: string;
  ssrc?: number;
  producerId?: string;
  consumerId?: string;
  /** Receive: the sender; send: the receiver when the connection has one remote (P2P). */
  remotePeerId?: string;
  topology: Topology;
  /** Intervals in time order. */
  intervals: DiagnosisInterval[];
}

/** A peer event (connection state changes, ICE restarts, device and track events). */
export interface DiagnosisEvent {
  ts: number;
  name: string;
  pc?: string;
  metadata?: Record<string, unknown>;
}

/** The selected candidate pair of a connection, as last seen. */
export interface DiagnosisTransport {
  pc: string;
  ts: number;
  localCandidateType?: string;
  /** Transport of the local candidate (`udp`/`tcp`). */
  localProtocol?: string;
  /** Transport between this peer and its TURN server (`udp`/`tcp`/`tls`). */
  relayProtocol?: string;
  remoteCandidateType?: string;
}

/** The precall network test, when the client ran one. */
export interface DiagnosisPrecall {
  ts: number;
  rttMs?: number;
  jitterMs?: number;
  /** 0..1. */
  fractionalLoss?: number;
  throughputKbps?: number;
  relayConnectivity?: boolean;
  reflexiveConnectivity?: boolean;
  hostConnectivity?: boolean;
}

/** Everything the engine reads about one peer. */
export interface DiagnosisInput {
  peerId: string;
  joinedAt: number;
  /** When the peer left; undefined while live. */
  leftAt?: number;
  streams: DiagnosisStream[];
  events: DiagnosisEvent[];
  transports: DiagnosisTransport[];
  precall?: DiagnosisPrecall;
}

/** Every issue kind. */
export const ISSUE_KINDS = [
  'packet_loss',
  'high_rtt',
  'jitter',
  'bandwidth_limited',
  'cpu_limited',
  'video_freeze',
  'audio_concealment',
  'no_media_received',
  'ice_failed',
  'ice_disconnected',
  'ice_restart',
  'relay_over_tcp',
  'device_problem',
  'precall_predicted',
] as const;

/** One issue kind. */
export type IssueKind = (typeof ISSUE_KINDS)[number];

/** Where the cause of an issue lies. */
export type Cause =
  'own_uplink' | 'own_downlink' | 'remote_peer' | 'server' | 'own_device' | 'network_path';

/** How the cause was found, and how sure it is. */
export interface Attribution {
  cause: Cause;
  /** The remote peer at fault (`remote_peer`), or the sender compared with. */
  peer_id?: string;
  confidence: 'low' | 'medium' | 'high';
  reason: string;
  /** How a received stream was matched with its sender's stream, when compared. */
  matched_by?: 'remote_peer_id' | 'producer_id' | 'ssrc';
}

/** The figures behind an issue. */
export interface Evidence {
  /** Metric name, with its unit in the name (`packet_loss_pct`, `rtt_ms`, …). */
  metric: string;
  worst: number;
  /** Median over the issue's samples. */
  typical: number;
  threshold: number;
  samples: number;
  /** Extra figures (e.g. resolution before and during a limitation). */
  detail?: Record<string, number | string>;
}

/** A stream an issue affects. */
export interface AffectedStream {
  key: string;
  ssrc?: number;
  remote_peer_id?: string;
  producer_id?: string;
}

/** One diagnosed issue, times in epoch ms (ISO in the report). */
export interface Issue {
  kind: IssueKind;
  severity: Severity;
  direction?: Direction;
  medium?: Medium;
  start: number;
  end: number;
  streams: AffectedStream[];
  evidence: Evidence;
  attribution: Attribution;
  advice: string;
}

/** The verdicts of one peer: overall and per direction × medium present. */
export interface Verdicts {
  peer: Verdict;
  send: Partial<Record<Medium, Verdict>>;
  receive: Partial<Record<Medium, Verdict>>;
}

/** Loss (or silence) ranges of one sent stream, kept so other peers' reports can blame it cheaply. */
export interface ProducerSummary {
  key: string;
  medium: Medium;
  ssrc?: number;
  producer_id?: string;
  remote_peer_id?: string;
  topology: Topology;
  first: number;
  last: number;
  /** `[start, end, worst %]` of each loss episode (the receiver's reports). */
  loss: [number, number, number][];
  /** `[start, end]` of each stretch with nothing sent. */
  silent: [number, number][];
}

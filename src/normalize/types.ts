/**
 * Input and output shapes of the shared `getStats()` normaliser.
 *
 * Browser-safe: no Node APIs, no runtime dependencies.
 */
import type { CandidatePairSample, StreamDirection, StreamSample } from '../model/telemetry.ts';

/** One stat object of a W3C `RTCStatsReport` (or an older browser's equivalent). */
export interface RawStat {
  id: string;
  type: string;
  /** Epoch ms (W3C `DOMHighResTimeStamp` relative to the time origin + `performance.timeOrigin`). */
  timestamp?: number;
  [k: string]: unknown;
}

/**
 * One `getStats()` result of one RTCPeerConnection.
 *
 * `stats` accepts every shape a report is found in: a live `RTCStatsReport` or any `Map`
 * (values are used), an iterable of stat objects or of `[id, stat]` pairs (serialised
 * `[...report]`), or a record keyed by stat id.
 */
export interface RawStatsReport {
  /** Client-chosen id of the RTCPeerConnection. */
  pc: string;
  /** Epoch ms of the report; default = the largest `stat.timestamp`. */
  ts?: number;
  stats:
    | Iterable<RawStat>
    | Iterable<readonly [string, RawStat]>
    | ReadonlyMap<string, RawStat>
    | Record<string, RawStat>;
}

/** What a screenshare predicate is told about one RTP stream. */
export interface ScreenshareProbe {
  /** RTP SSRC of the stream (lets importers use app-level hints such as Jitsi's `setVideoType`). */
  ssrc: number;
  trackIdentifier?: string;
  mid?: string;
  kind: string;
  contentType?: string;
  direction: StreamDirection;
}

/** Browser family, when the caller knows it (only used where browsers disagree). */
export type BrowserFamily = 'chrome' | 'firefox' | 'safari' | 'unknown';

export interface NormalizeOptions {
  /**
   * Decides whether a stream carries screenshare. Default: Chrome's
   * `contentType === 'screenshare'` on `inbound-rtp` / `outbound-rtp`.
   */
  screenshare?: (info: ScreenshareProbe) => boolean;
  /**
   * Browser family, when the caller knows it. Accepted for callers that have it; every quirk
   * handled today (old Firefox ids and `mozRtt`, Safari's missing `remote-inbound-rtp`, Chrome's
   * `track` stats) is recognised from the stats themselves, so the result does not depend on it.
   */
  browser?: BrowserFamily;
  /**
   * Which candidate pairs to return: every pair (default), or only the selected one(s).
   * Importers of long dumps use `'selected'` to keep storage small.
   */
  candidatePairs?: 'all' | 'selected';
}

/** The transport (DTLS/ICE) of the selected candidate pair. */
export interface TransportSummary {
  id: string;
  selected_candidate_pair_id?: string;
  dtls_state?: string;
  ice_state?: string;
  ice_role?: string;
  dtls_role?: string;
  tls_version?: string;
  dtls_cipher?: string;
  srtp_cipher?: string;
  bytes_sent?: number;
  bytes_received?: number;
  packets_sent?: number;
  packets_received?: number;
  selected_candidate_pair_changes?: number;
}

/** The normalised content of one `getStats()` report. */
export interface NormalizedStats {
  /** Report time (epoch ms, integer). */
  ts: number;
  /** One sample per `outbound-rtp` (producer) and `inbound-rtp` (consumer) stat. */
  samples: StreamSample[];
  candidate_pairs: CandidatePairSample[];
  /** Codec stat id -> mime type, for the codecs that an RTP stream references. */
  codecs: Record<string, string>;
  transport?: TransportSummary;
}

/**
 * What every dump parser produces: one or more recorded clients, each already
 * turned into contract `TelemetryBatch`es by the shared normaliser.
 */
import type { ClientInfo, TelemetryBatch } from '../model/telemetry.ts';

/** The recognised dump formats. */
export type DumpFormat =
  'webrtc-internals' | 'rtcstats' | 'rtcstats-legacy' | 'rtcstats-v3' | 'getstats-snapshot';

/** The part of a recording that a dump cannot show. */
export interface PartialRecording {
  /** Epoch ms from which every stats series of the client is complete. */
  complete_from: number;
  reason: string;
}

/** One recorded browser (or one end of a call recorded in the same tab). */
export interface ParsedClient {
  /** Stable label within the dump (e.g. `pid 14147`, `rtcstats`, `pid 14147 / end 2`). */
  label: string;
  client: ClientInfo;
  /** Epoch ms of the first and last recorded activity (PC creation, getUserMedia, stats). */
  joined_at: number;
  left_at: number;
  /** Contract batches in time order; the first carries `client`, `pc_metadata` and device information. */
  batches: TelemetryBatch[];
  /** Ids of the RTCPeerConnections of this client, in creation order. */
  pcs: string[];
  partial?: PartialRecording;
  /** Human-readable facts the dump could not tell or that were repaired (gaps, counter resets, rewritten metadata). */
  notes: string[];
}

/** The result of parsing one dump file. */
export interface ParsedDump {
  format: DumpFormat;
  clients: ParsedClient[];
  /** Dump-level warnings (unknown methods skipped, ...). */
  warnings: string[];
}

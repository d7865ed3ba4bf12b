/**
 * The telemetry batch write as a store verb. The store owns the SQL and the transaction; the ingest owns the
 * decisions and the rows (pure computation: src/ingest/batch-rows.ts, derive-stream-chunks.ts, late-samples.ts)
 * and hands them in as {@link BatchRules}, so storage imports nothing from the ingest. Live ingest (the group
 * committing BatchWriter) and imports (inside their unit of work) write through the same verb, so each backend
 * has one write path.
 */
import type { Insertable } from 'kysely';
import type { StreamSample, TelemetryBatch } from '../model/telemetry.ts';
import type {
  CandidatePairsTable,
  DeviceUpdatesTable,
  PcMetadataTable,
  PeerEventsTable,
  StreamStateTable,
} from './schema.ts';
import type {
  ChunkEdge,
  ChunkHead,
  DerivedChunks,
  GapFill,
  GapGroup,
  KnownState,
  PeerForBatch,
  PeerSpanChange,
} from './stored-stream-types.ts';

/** One batch to write. */
export interface BatchJob {
  peerId: string;
  participantId: string;
  /** The batch; its samples may have been derived already (`pre`) and dropped. */
  batch: Omit<TelemetryBatch, 'samples'> & { samples?: TelemetryBatch['samples'] };
  receivedAt: number;
  /** Derived before the transaction (outside the write lock); absent when not derived yet. */
  pre?: DerivedChunks;
  /** Set by the write: the stream states it stored (for the writer's state cache). */
  written?: StreamStateTable[];
}

/** Outcome of one batch. */
export type BatchOutcome =
  | { status: 'stored'; samples: number; skipped: number }
  | { status: 'duplicate' }
  | { status: 'peer_closed' }
  | { status: 'unknown_peer' };

type Meta = Omit<TelemetryBatch, 'samples'>;

/** The ingest's decisions and rows, which the write applies (pure functions, no I/O). */
export interface BatchRules<J extends BatchJob = BatchJob> {
  acceptance(peer: PeerForBatch, receivedAt: number): 'live' | 'late' | 'closed';
  peerUpdate(batch: Meta, receivedAt: number, late: boolean): Record<string, string | number>;
  spanChange(
    peer: Pick<PeerForBatch, 'joined_at' | 'left_at'>,
    chunks: readonly { first_ts: number; last_ts: number }[],
    receivedAt: number,
  ): PeerSpanChange | undefined;
  events(batch: Meta, peerId: string, accountId: string): Insertable<PeerEventsTable>[];
  devices(batch: Meta, peerId: string, accountId: string): Insertable<DeviceUpdatesTable>[];
  pcMetadata(batch: Meta, peerId: string, accountId: string): Insertable<PcMetadataTable>[];
  candidatePairs(batch: Meta, peerId: string, accountId: string): Insertable<CandidatePairsTable>[];
  streamKeys(samples: readonly StreamSample[]): string[];
  sameStates(
    before: ReadonlyMap<string, number>,
    now: readonly { stream_key: string; last_ts: number }[],
  ): boolean;
  derive(peerId: string, samples: StreamSample[], known: KnownState[]): DerivedChunks;
  /** The job's samples: kept on the batch, or parsed again from the request text. */
  samplesOf(job: J): StreamSample[];
  groupLateSamples(
    late: readonly StreamSample[],
    edges: readonly ChunkEdge[],
  ): { groups: GapGroup[]; skipped: number };
  fillGap(peerId: string, streamKey: string, group: GapGroup, head: ChunkHead): GapFill | undefined;
}

/** Telemetry writes, and what the group-committing writer may assume of this backend. */
export interface TelemetryVerbs {
  /** A peer's stored stream states: of the streams `keys` when given, else all. */
  streamStates(peerId: string, keys?: string[]): Promise<KnownState[]>;
  /** The stored stream states of several peers in one read, by peer id (a peer with none has no entry). */
  streamStatesOfPeers(peerIds: readonly string[]): Promise<Map<string, KnownState[]>>;
  /** Writes `jobs` (sorted by peer id: the lock order) in one transaction; outcomes in their order. */
  writeGroup<J extends BatchJob>(jobs: J[], rules: BatchRules<J>): Promise<BatchOutcome[]>;
  /**
   * Group transactions that may be in flight at once, given the configured number: one on SQLite (one
   * writer), the configured number on PostgreSQL (each group on its own pooled connection).
   */
  concurrentGroups(configured: number): number;
  /**
   * Whether a process may keep a peer's stream states between batches. Not on PostgreSQL: several processes
   * share it (behind a round-robin balancer each sees every other batch), so a cached state would be stale as
   * often as not and the batch derived twice.
   */
  readonly cachesStreamStates: boolean;
}

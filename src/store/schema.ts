/**
 * Table types for Kysely. One schema serves both backends (embedded SQLite
 * and PostgreSQL). Times are epoch milliseconds (BIGINT), JSON documents are
 * TEXT holding serialised JSON (stored pre-serialised so the report can splice
 * them into the response without parsing them again).
 */
import type { Generated } from 'kysely';
import type {
  WebhookAlertsTable,
  WebhookDeliveriesTable,
  WebhookSigningKeysTable,
  WebhooksTable,
} from './webhook-tables.ts';

import type { PeerRollupsTable, RollupBucketsTable, RollupCellsTable } from './rollup-schema.ts';
import type { PeerReportBodiesTable } from './report-body-schema.ts';
import type { MeetingSessionCountsTable } from './meeting-counts-schema.ts';

export interface ApiTokensTable {
  id: string;
  account_id: string;
  /** SHA-256 of the token (hex). The token itself is never stored. */
  token_hash: string;
  /** `Realtime Admin` (read/write) or `Realtime` (read only). */
  permission: string;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
  /** Epoch ms after which the token is refused (null: never; migration 010). */
  expires_at: number | null;
  /** Epoch ms of the last authenticated request, written at most once a minute (migration 010). */
  last_used_at: number | null;
}

export interface AppsTable {
  id: string;
  account_id: string;
  name: string;
  created_at: number;
}

export interface MeetingsTable {
  id: string;
  account_id: string;
  app_id: string;
  title: string | null;
  status: string;
  /** The remaining create/update fields, echoed back as sent. */
  config: string;
  created_at: number;
  updated_at: number;
}

export interface ParticipantsTable {
  id: string;
  account_id: string;
  app_id: string;
  meeting_id: string;
  custom_participant_id: string;
  name: string | null;
  picture: string | null;
  preset_name: string;
  token_hash: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  app_id: string;
  meeting_id: string;
  status: 'LIVE' | 'ENDED';
  started_at: number;
  ended_at: number | null;
  live_participants: number;
  max_concurrent_participants: number;
  /** Sum of the closed peers' minutes (live peers are added at read time). */
  minutes_consumed: number;
  created_at: number;
  updated_at: number;
}

export interface PeersTable {
  id: string;
  account_id: string;
  app_id: string;
  meeting_id: string;
  session_id: string;
  participant_id: string;
  status: 'live' | 'left';
  joined_at: number;
  left_at: number | null;
  last_seen_at: number;
  leave_reason: string | null;
  /** Serialised {@link import('../model/peer-metadata.ts').PeerClientMetadata}. */
  client: string;
  /** Serialised IP information (looked up at join, IP truncated unless configured). */
  ip_info: string | null;
  /** Serialised precall result, when the client ran one. */
  precall: string | null;
  /** Where the data came from: `live` or `import:<format>`. */
  source: string;
  /** When retention removed this peer's telemetry (its identity stays). */
  expired_at: number | null;
  /** When its quality chunks were merged, one per stream (src/store/chunk-compaction.ts). */
  chunks_compacted_at: number | null;
  /** When a live peer's per-batch chunks were last merged into one per stream. */
  chunks_merged_at: number | null;
  /** Highest chunk id that merge wrote: chunks above it are per-batch chunks still to merge. */
  chunks_merged_upto: number | null;
  /** A finished peer's quality aggregates (JSON), stored by compaction (src/analytics/quality-aggregates.ts). */
  quality_aggregates: string | null;
  /** Highest chunk id `quality_aggregates` covers. */
  quality_aggregates_upto: number | null;
  /** A finished peer's own diagnosis (JSON, src/store/peer-diagnosis.ts), and the highest chunk id it covers. */
  diagnosis: string | null;
  diagnosis_upto: number | null;
  /** Its sent-stream summaries alone (JSON `{ method, producers }`), what other peers' blame reads. */
  diagnosis_senders: string | null;
  /** Its verdict (0 good … 3 bad) and sentence after blame with the session's finished peers, for listings. */
  verdict_rank: number | null;
  diagnosis_summary: string | null;
  /** The report's diagnosis after that blame (JSON), valid while the stamp (the others' stored diagnoses) holds. */
  diagnosis_final: string | null;
  diagnosis_final_stamp: string | null;
  created_at: number;
  updated_at: number;
}

export interface PeerBatchesTable {
  /** Distribution key (shard by account), as on every telemetry table. */
  account_id: string;
  peer_id: string;
  batch_id: string;
  received_at: number;
}

export interface PeerEventsTable {
  /** Distribution key (shard by account), as on every telemetry table. */
  account_id: string;
  id: Generated<number>;
  peer_id: string;
  ts: number;
  name: string;
  pc: string | null;
  metadata: string | null;
}

export interface DeviceUpdatesTable {
  /** Distribution key (shard by account), as on every telemetry table. */
  account_id: string;
  id: Generated<number>;
  peer_id: string;
  ts: number;
  /** `audioinput`, `videoinput`, `audiooutput` or `selected`. */
  kind: string;
  payload: string;
}

export interface PcMetadataTable {
  /** Distribution key (shard by account), as on every telemetry table. */
  account_id: string;
  id: Generated<number>;
  peer_id: string;
  pc: string;
  ts: number;
  payload: string;
}

export interface CandidatePairsTable {
  /** Distribution key (shard by account), as on every telemetry table. */
  account_id: string;
  peer_id: string;
  pc: string;
  pair_id: string;
  ts: number;
  selected: number;
  /** Whether the pair's PC produces and/or consumes media (bit 1 produce, bit 2 consume). */
  roles: number;
  payload: string;
}

export interface StreamStateTable {
  /** Distribution key (shard by account), as on every telemetry table. */
  account_id: string;
  peer_id: string;
  stream_key: string;
  series: string;
  last_ts: number;
  last_sample: string;
}

export interface QualityChunksTable {
  id: Generated<number>;
  /** Distribution key (shard by account). */
  account_id: string;
  peer_id: string;
  series: string;
  stream_key: string;
  first_ts: number;
  last_ts: number;
  n: number;
  /** Per-sample report objects, serialised as UTF-8 JSON and comma-joined (no brackets). */
  rows_json: Buffer;
  /** Metric rows for the cumulative aggregates, packed by `src/analytics/metric-packing.ts`. */
  metrics: Buffer;
  /** Epoch ms when stored: the partition key (PostgreSQL) and the retention clock. */
  received_at: number;
  /** The cumulative samples at the chunk's first and last row (JSON; migration 011): a late batch fills the gap between two chunks from them (ingest/late-samples.ts). */
  first_sample: string | null;
  last_sample: string | null;
}

/** One row (id 1): when any process of the service was last alive, and when the service last resumed after a gap (migration 016). */
export interface ServiceLivenessTable {
  id: number;
  alive_at: number;
  resumed_at: number;
}

/** The whole database, for Kysely. */
export interface Database {
  api_tokens: ApiTokensTable;
  apps: AppsTable;
  meetings: MeetingsTable;
  participants: ParticipantsTable;
  sessions: SessionsTable;
  peers: PeersTable;
  peer_batches: PeerBatchesTable;
  peer_events: PeerEventsTable;
  device_updates: DeviceUpdatesTable;
  pc_metadata: PcMetadataTable;
  candidate_pairs: CandidatePairsTable;
  stream_state: StreamStateTable;
  quality_chunks: QualityChunksTable;
  service_liveness: ServiceLivenessTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_signing_keys: WebhookSigningKeysTable;
  webhook_alerts: WebhookAlertsTable;

  peer_rollups: PeerRollupsTable;
  rollup_buckets: RollupBucketsTable;

  peer_report_bodies: PeerReportBodiesTable;
  meeting_session_counts: MeetingSessionCountsTable;
  rollup_cells: RollupCellsTable;
}

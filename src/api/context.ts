/** What every request handler can reach. */
import type { Store } from '../store/store.ts';
import type { ServerConfig } from '../config.ts';
import type { GeoLookup } from '../geo/geo-lookup.ts';
import type { ApiTokenRecord } from '../store/api-tokens.ts';
import type { BatchWriter } from '../ingest/batch-writer.ts';
import type { ParticipantRecord } from '../store/participants.ts';
import type { ParticipantTokenCache } from '../ingest/participant-token-cache.ts';
import type { ReportCache } from '../report/report-cache.ts';
import type { LiveChunkCache } from '../store/live-chunk-cache.ts';
import type { CohortCache } from '../report/cohort-cache.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';

/** Process-wide services. */
export interface AppContext {
  /** All storage, through its verbs (src/store/store.ts). */
  store: Store;
  config: ServerConfig;
  geo: GeoLookup;
  writer: BatchWriter;
  participantTokens: ParticipantTokenCache;
  reportCache: ReportCache;
  /** Live peers' chunk contents between their reports' requests (half of the report cache's bound, off with it). */
  liveChunks: LiveChunkCache;
  /** The reads behind finished reports' `quality_cohort`, shared for a few seconds. */
  cohortCache: CohortCache;
  /** Ingest requests per participant (absent: unlimited). */
  ingestLimiter?: RateLimiter;
  /** Joins per participant, on top of the ingest limit (absent: unlimited). */
  joinLimiter?: RateLimiter;
  /** Operator metrics (`GET /metrics`); also where other modules register theirs. */
  metrics: ServerMetrics;
}

/** Hono environment: per-request variables. */
export interface AppEnv {
  Variables: {
    ctx: AppContext;
    token: ApiTokenRecord;
    participant: ParticipantRecord;
  };
}

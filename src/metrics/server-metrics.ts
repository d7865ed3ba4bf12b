/**
 * The operator metrics of one server process (Prometheus text format, through
 * prom-client), in a registry of its own so that several servers in one
 * process (the tests) never mix their figures.
 *
 * Hot-path recording (ingest requests, batches, group commits, query timings)
 * goes through label children created once and kept, so a request costs a few
 * counter increments and histogram observations and builds no label objects
 * (measured in CPU time: ~0.8 µs per ingest request, plus ~0.4 µs for the
 * counting middleware, bench/quick-metrics-overhead.ts). Gauges that
 * need a database query are read at scrape time through a {@link CachedReading}
 * (at most one query per TTL whatever the scrape rate).
 *
 * Registration hooks for modules built elsewhere (the webhooks outbox):
 * {@link ServerMetrics.setWebhookBacklogSource} and
 * {@link ServerMetrics.webhookDelivery}.
 */
import cluster from 'node:cluster';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestObserver } from '../ingest/ingest-observer.ts';
import { CachedReading } from './cached-reading.ts';
import { memoSqlOperation } from './query-operation.ts';

/** Seconds, from 100 µs (a prepared SQLite statement) to 5 s (a stalled commit). */
const DB_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** Seconds from a batch's submission to its commit: a group window is 4 ms, a commit 1–20 ms. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Batches per group commit (at most 256). */
const GROUP_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** How long a gauge read from the database is reused (ms). */
export const DB_GAUGE_TTL_MS = 10_000;

/** Outcome of one webhook delivery attempt, for {@link ServerMetrics.webhookDelivery}. */
export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'disabled';

/** Where the database-derived gauges come from (the store queries, injected so this module has no I/O of its own). */
export interface StoreGaugeSources {
  livePeers(): Promise<number>;
  compactionBacklog(): Promise<number>;
}

type Child<T> = { inc(n?: number): void } & T;

/** One process's metrics. */
export class ServerMetrics implements IngestObserver {
  readonly registry = new Registry();

  readonly #ingestRequests: Counter<'route' | 'status_class'>;
  readonly #ingestRequestChildren = new Map<string, Child<object>>();
  readonly #batches: Counter<'outcome'>;
  readonly #batchChildren = new Map<string, Child<object>>();
  readonly #samplesStored: Child<object>;
  readonly #samplesSkipped: Child<object>;
  readonly #batchLatency: Histogram;
  readonly #groupSize: Histogram;
  readonly #transactions: Histogram<'operation' | 'outcome'>;
  readonly #transactionChildren = new Map<string, { observe(v: number): void }>();
  readonly #queries: Histogram<'operation'>;
  readonly #queryChildren = new Map<string, { observe(v: number): void }>();
  readonly #queryOperation = memoSqlOperation();
  readonly #webhookDeliveries: Counter<'outcome'>;
  readonly #exportRows: Counter<'format'>;
  readonly #gaugeTtlMs: number;
  #webhookBacklog: CachedReading | undefined;

  constructor(stores: StoreGaugeSources, options: { gaugeTtlMs?: number } = {}) {
    const registers = [this.registry];
    const ttl = options.gaugeTtlMs ?? DB_GAUGE_TTL_MS;
    // `serve --workers N`: the workers share one port, so a scrape reaches any of them; the label keeps their series apart.
    if (cluster.isWorker && cluster.worker)
      this.registry.setDefaultLabels({ worker: String(cluster.worker.id) });
    // Memory, CPU, event-loop lag, GC, handles: prom-client's standard process metrics.
    collectDefaultMetrics({ register: this.registry });

    this.#ingestRequests = new Counter({
      name: 'peer_report_ingest_requests_total',
      help: 'Ingest API requests answered, by route (join, batches, leave, preflight, other) and status class.',
      labelNames: ['route', 'status_class'],
      registers,
    });
    this.#batches = new Counter({
      name: 'peer_report_ingest_batches_total',
      help: 'Telemetry batches by outcome (stored, duplicate, peer_closed, unknown_peer, invalid, failed).',
      labelNames: ['outcome'],
      registers,
    });
    const samples = new Counter({
      name: 'peer_report_ingest_samples_total',
      help: "Stream samples of stored batches: stored, or skipped (not newer than the stream's last stored sample).",
      labelNames: ['outcome'],
      registers,
    });
    this.#samplesStored = samples.labels('stored');
    this.#samplesSkipped = samples.labels('skipped');
    this.#batchLatency = new Histogram({
      name: 'peer_report_ingest_batch_latency_seconds',
      help: "Time from a batch's submission to the writer (body read) to its outcome; for a stored batch, to its commit.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#groupSize = new Histogram({
      name: 'peer_report_ingest_group_commit_batches',
      help: 'Batches written per group transaction.',
      buckets: GROUP_BUCKETS,
      registers,
    });
    this.#transactions = new Histogram({
      name: 'peer_report_db_transaction_duration_seconds',
      help: 'Database transactions by operation (ingest_group: one group commit of telemetry batches) and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: DB_BUCKETS,
      registers,
    });
    this.#queries = new Histogram({
      name: 'peer_report_db_query_duration_seconds',
      help: "Database statements run through the query builder, by operation (verb and first table). The embedded store's ingest writes bypass it: see the ingest_group transactions.",
      labelNames: ['operation'],
      buckets: DB_BUCKETS,
      registers,
    });
    const live = new CachedReading(stores.livePeers, ttl, 'live peers');
    new Gauge({
      name: 'peer_report_live_peers',
      help: `Peers live now, database-wide (every process reports the same figure; read at most every ${ttl / 1000} s).`,
      registers,
      async collect() {
        this.set(await live.value());
      },
    });
    const backlog = new CachedReading(stores.compactionBacklog, ttl, 'compaction backlog');
    new Gauge({
      name: 'peer_report_compaction_backlog_peers',
      help: `Finished peers whose chunk compaction is due and not done, database-wide (read at most every ${ttl / 1000} s).`,
      registers,
      async collect() {
        this.set(await backlog.value());
      },
    });
    const metrics = this;
    new Gauge({
      name: 'peer_report_webhook_backlog_events',
      help: 'Webhook events recorded and not yet delivered, database-wide (0 until the webhooks module registers its source).',
      registers,
      async collect() {
        this.set(metrics.#webhookBacklog ? await metrics.#webhookBacklog.value() : 0);
      },
    });
    this.#webhookDeliveries = new Counter({
      name: 'peer_report_webhook_deliveries_total',
      help: 'Webhook delivery attempts by this process, by outcome (delivered, failed, disabled: a webhook switched off after persistent failure).',
      labelNames: ['outcome'],
      registers,
    });
    this.#exportRows = new Counter({
      name: 'peer_report_export_rows_total',
      help: 'Peer summaries written by the export route, by format.',
      labelNames: ['format'],
      registers,
    });
    this.#gaugeTtlMs = ttl;
  }

  /** Counts one ingest request by its route and status. */
  ingestRequest(route: string, status: number): void {
    const key = `${route}|${status}`;
    let child = this.#ingestRequestChildren.get(key);
    if (!child) {
      child = this.#ingestRequests.labels(route, `${Math.floor(status / 100)}xx`);
      this.#ingestRequestChildren.set(key, child);
    }
    child.inc();
  }

  /** {@link IngestObserver}: one group transaction. */
  groupWritten(batches: number, seconds: number, ok: boolean): void {
    this.#groupSize.observe(batches);
    this.transaction('ingest_group', seconds, ok);
  }

  /** {@link IngestObserver}: one batch's outcome. */
  batchDone(outcome: string, seconds: number, samples: number, skipped: number): void {
    let child = this.#batchChildren.get(outcome);
    if (!child) this.#batchChildren.set(outcome, (child = this.#batches.labels(outcome)));
    child.inc();
    if (outcome === 'invalid') return;
    this.#batchLatency.observe(seconds);
    if (samples > 0) this.#samplesStored.inc(samples);
    if (skipped > 0) this.#samplesSkipped.inc(skipped);
  }

  /** Records one database transaction of `operation` (a short fixed name) that took `seconds`. */
  transaction(operation: string, seconds: number, ok = true): void {
    const key = `${operation}|${ok}`;
    let child = this.#transactionChildren.get(key);
    if (!child)
      this.#transactionChildren.set(
        key,
        (child = this.#transactions.labels(operation, ok ? 'committed' : 'failed')),
      );
    child.observe(seconds);
  }

  /** Records one statement (its SQL text gives the operation label) that took `ms` milliseconds: Kysely's log hook. */
  query(sql: string, ms: number): void {
    const op = this.#queryOperation(sql);
    let child = this.#queryChildren.get(op);
    if (!child) this.#queryChildren.set(op, (child = this.#queries.labels(op)));
    child.observe(ms / 1000);
  }

  /** Counts `rows` peer summaries written by an export in `format`. */
  exportRows(format: string, rows: number): void {
    this.#exportRows.labels(format).inc(rows);
  }

  /**
   * Hook for the webhooks module: how many events wait for delivery
   * (database-wide, e.g. a count over the outbox's pending index). Read at
   * most once per gauge TTL, at scrape time.
   */
  setWebhookBacklogSource(read: () => Promise<number>): void {
    this.#webhookBacklog = new CachedReading(read, this.#gaugeTtlMs, 'webhook backlog');
  }

  /** Hook for the webhooks module: counts one delivery attempt by outcome. */
  webhookDelivery(outcome: WebhookDeliveryOutcome): void {
    this.#webhookDeliveries.labels(outcome).inc();
  }

  /** The text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Its content type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * The delivery loop: sends the outbox's pending deliveries, in order per
 * webhook, at least once, from any number of processes.
 *
 * Work is shared by webhook: a process claims a webhook (a lease on its row:
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL, the single-writer transaction on
 * SQLite), sends that webhook's pending deliveries one after another in id
 * order, records the outcomes, and lets go. Only the lease holder sends to a
 * webhook, so each event is sent once between processes; a process that dies
 * mid-delivery leaves its lease to expire ({@link WebhookConfig.leaseMs}) and
 * the next claimer sends what was not recorded as delivered again
 * (at-least-once: receivers dedupe on `rtk-uuid`).
 *
 * A failed head delivery that may be retried pauses its webhook (backoff,
 * `webhooks.retry_at`), so later events never overtake it. After
 * {@link WebhookConfig.retryForMs} (24 h) of failures the delivery fails for
 * good and the webhook is disabled (`enabled: false`, `disabled_reason`).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { StoreDialect } from '../store/store-dialect.ts';
import type { WebhookConfig } from './webhook-config.ts';
import { signBody, type SigningKey, type SigningKeyCache } from './signing-key.ts';
import { postWebhook, type PostOutcome } from './post-webhook.ts';
import { attemptVerdict, retryDelayMs, withinRetryWindow } from './retry-policy.ts';
import { onEventsRecorded } from './outbox.ts';
import {
  readPendingDeliveries,
  sequenceDeliveries,
  type PendingDelivery,
} from '../store/webhook-order.ts';

/** Deliveries read (and signed ahead) at a time: at most these go out after the webhook is disabled or deleted. */
const READ_AHEAD = 32;

/**
 * Deliveries numbered at a time on PostgreSQL (their send order, given after commit: src/store/webhook-order.ts).
 */
const SEQUENCE_AHEAD = 1_024;
/**
 * Finished deliveries recorded together (at most this many re-sent after a
 * crash): one transaction (one fsync on the embedded store) per group.
 */
const RECORD_EVERY = 128;
/** A group is recorded at least this often (ms), so the log and the backlog gauge stay current. */
const RECORD_WITHIN_MS = 250;
/** Signatures kept by event id: an event sent to several webhooks is signed once per process. */
const SIGNATURE_CACHE = 4_096;
/** How often finished deliveries are pruned from the log (ms). */
const PRUNE_EVERY_MS = 3_600_000;

const USER_AGENT = 'peer-report-webhooks/1';

interface Claimed {
  id: string;
  url: string;
  /** When the lease ends unless renewed. */
  leaseUntil: number;
}

type PendingRow = PendingDelivery;

/** Hooks for the operator metrics (`peer_report_webhook_deliveries_total`). */
export interface DispatcherHooks {
  /** One attempt ended: delivered, failed (retried or given up), or its failure disabled the webhook. */
  onDelivery?(outcome: 'delivered' | 'failed' | 'disabled'): void;
}

interface Finished {
  id: number;
  status: 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  at: number;
}

/** Delivers webhook events; one per process. */
export class WebhookDispatcher {
  readonly owner = randomUUID();
  #running = new Set<Promise<void>>();
  #timer?: NodeJS.Timeout;
  #closed = false;
  #ticking = false;
  #again = false;
  #lastPrune = 0;
  #unsubscribe: () => void;
  readonly #keys: SigningKeyCache;
  /** Signatures by key id and event id, oldest first (bounded). */
  readonly #signatures = new Map<string, Promise<string>>();
  /** The lease, long enough for two attempts (an attempt must never outlive it). */
  readonly #leaseMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    keys: SigningKeyCache,
    private readonly config: WebhookConfig,
    private readonly hooks: DispatcherHooks = {},
  ) {
    this.#keys = keys;
    this.#leaseMs = Math.max(config.leaseMs, 2 * config.requestTimeoutMs);
    this.#unsubscribe = onEventsRecorded(() => this.poke());
  }

  /** Starts polling. */
  start(): void {
    this.#schedule(0);
  }

  /** Looks for work now (events were just recorded). */
  poke(): void {
    if (this.#closed) return;
    if (this.#ticking) this.#again = true;
    else this.#schedule(0);
  }

  /** Stops claiming and waits for the deliveries in flight to be recorded. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    clearTimeout(this.#timer);
    while (this.#ticking || this.#running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#closed || this.#ticking) return;
    this.#ticking = true;
    this.#again = false;
    let claimed = 0;
    try {
      const free = this.config.concurrency - this.#running.size;
      if (free > 0) {
        for (const w of await this.#claim(free)) {
          claimed++;
          const run: Promise<void> = this.#deliver(w)
            .catch((err) =>
              console.error(`webhook ${w.id} delivery failed:`, (err as Error).message),
            )
            .finally(() => {
              this.#running.delete(run);
              this.poke();
            });
          this.#running.add(run);
        }
      }
      if (Date.now() - this.#lastPrune > PRUNE_EVERY_MS) {
        this.#lastPrune = Date.now();
        await this.#prune();
      }
    } catch (err) {
      if (!this.#closed) console.error('webhook claim failed:', (err as Error).message);
    } finally {
      this.#ticking = false;
    }
    if (this.#closed) return;
    this.#schedule(
      this.#again || (claimed > 0 && this.#running.size < this.config.concurrency)
        ? 0
        : this.config.pollIntervalMs,
    );
  }

  /** Claims up to `n` enabled, unpaused, unleased webhooks that have pending deliveries. */
  async #claim(n: number): Promise<Claimed[]> {
    const now = Date.now();
    // A plain read first: an idle poll never takes the write lock (SQLite) or row locks.
    if ((await this.#claimable(this.db, now, 1).execute()).length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      let q = this.#claimable(tx, now, n);
      if (this.dialect === 'postgres') q = q.forUpdate().skipLocked();
      const rows = await q.execute();
      if (rows.length === 0) return [];
      await tx
        .updateTable('webhooks')
        .set({ lease_owner: this.owner, lease_until: now + this.#leaseMs })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      return rows.map((r) => ({ ...r, leaseUntil: now + this.#leaseMs }));
    });
  }

  /** Enabled, unpaused, unleased webhooks with pending deliveries. */
  #claimable(db: Kysely<Database>, now: number, n: number) {
    return db
      .selectFrom('webhooks as w')
      .select(['w.id', 'w.url'])
      .where('w.enabled', '=', 1)
      .where((eb) => eb.or([eb('w.retry_at', 'is', null), eb('w.retry_at', '<=', now)]))
      .where((eb) => eb.or([eb('w.lease_until', 'is', null), eb('w.lease_until', '<', now)]))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as d')
            .select(sql`1`.as('one'))
            .whereRef('d.webhook_id', '=', 'w.id')
            .where('d.status', '=', 'pending'),
        ),
      )
      .orderBy('w.lease_until')
      .limit(n);
  }

  /** Sends `w`'s pending deliveries in order until it is empty, paused, or its time slice is used. */
  async #deliver(w: Claimed): Promise<void> {
    const sliceEnd = Date.now() + this.#leaseMs / 3;
    const finished: Finished[] = [];
    let recordedAt = Date.now();
    let lastSeq = 0;
    // Parsed once for the run (a bad URL fails each attempt in postWebhook, as before).
    let target: URL | string = w.url;
    try {
      target = new URL(w.url);
    } catch {
      // kept as text: postWebhook reports the parse error
    }
    try {
      while (!this.#closed && Date.now() < sliceEnd) {
        // After the ones sent and not recorded yet (recorded in groups, not per read); in commit-safe order
        // (PostgreSQL: numbered after commit, a batch at a time when the numbered ones run out).
        // Nothing when the webhook was disabled or deleted meanwhile.
        let rows = await readPendingDeliveries(this.db, this.dialect, w.id, lastSeq, READ_AHEAD);
        if (
          rows.length === 0 &&
          (await sequenceDeliveries(this.db, this.dialect, w.id, this.owner, SEQUENCE_AHEAD)) > 0
        )
          rows = await readPendingDeliveries(this.db, this.dialect, w.id, lastSeq, READ_AHEAD);
        if (rows.length === 0) return;
        const key = await this.#keys.current();
        const bodies = rows.map((r) => Buffer.from(r.body, 'utf8'));
        // Signed on the thread pool while earlier ones are on the wire; once per event and key.
        const signatures = rows.map((r, i) => this.#signature(key, r.event_id, bodies[i]));
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i];
          lastSeq = row.seq;
          // The lease must outlast this attempt: otherwise another process could send behind it.
          if (
            Date.now() + this.config.requestTimeoutMs >= w.leaseUntil - this.#leaseMs / 4 &&
            !(await this.#record(w, finished))
          )
            return;
          const outcome = await postWebhook(
            target,
            bodies[i],
            {
              'content-type': 'application/json',
              'user-agent': USER_AGENT,
              'rtk-signature': await signatures[i],
              'rtk-uuid': row.event_id,
              'rtk-webhook-id': w.id,
            },
            {
              timeoutMs: this.config.requestTimeoutMs,
              maxResponseBytes: this.config.maxResponseBytes,
              policy: this.config.allowPrivate,
            },
          );
          const verdict = attemptVerdict(outcome);
          const at = Date.now();
          this.hooks.onDelivery?.(verdict === 'delivered' ? 'delivered' : 'failed');
          if (verdict === 'retry') {
            await this.#record(w, finished);
            await this.#retryLater(w.id, row, outcome, at);
            return;
          }
          finished.push({
            id: row.id,
            status: verdict,
            statusCode: outcome.statusCode ?? null,
            error: verdict === 'failed' ? describe(outcome) : null,
            at,
          });
          if (finished.length >= RECORD_EVERY || at - recordedAt >= RECORD_WITHIN_MS) {
            recordedAt = at;
            if (!(await this.#record(w, finished))) return;
          }
          if (this.#closed) break;
        }
      }
    } finally {
      await this.#record(w, finished).catch((err) =>
        console.error(`webhook ${w.id}: recording deliveries failed:`, (err as Error).message),
      );
      await this.db
        .updateTable('webhooks')
        .set({ lease_owner: null, lease_until: null })
        .where('id', '=', w.id)
        .where('lease_owner', '=', this.owner)
        .execute();
    }
  }

  /** The signature of an event's body with `key` (cached: an event going to several webhooks is signed once). */
  #signature(key: SigningKey, eventId: string, body: Buffer): Promise<string> {
    const id = `${key.id} ${eventId}`;
    let s = this.#signatures.get(id);
    if (!s) {
      s = signBody(body, key);
      s.catch(() => this.#signatures.delete(id));
      this.#signatures.set(id, s);
      if (this.#signatures.size > SIGNATURE_CACHE)
        this.#signatures.delete(this.#signatures.keys().next().value as string);
    }
    return s;
  }

  /**
   * Records finished deliveries and renews the lease, in one transaction
   * (a lease is taken over only after it expired, so renewing an unexpired one is safe);
   * returns false when the lease was lost (expired and taken over: the new
   * holder re-sends what this one had not recorded) or the webhook was
   * disabled or deleted meanwhile: the caller stops.
   */
  async #record(w: Claimed, finished: Finished[]): Promise<boolean> {
    const batch = finished.splice(0, finished.length);
    const renewAt = Date.now();
    return this.db.transaction().execute(async (tx) => {
      // One statement per outcome (status, code): a run of 2xx answers is one UPDATE.
      const groups = new Map<string, Finished[]>();
      for (const f of batch) {
        const key = `${f.status} ${f.statusCode} ${f.error ?? ''}`;
        const g = groups.get(key);
        if (g) g.push(f);
        else groups.set(key, [f]);
      }
      for (const group of groups.values()) {
        const f = group[group.length - 1];
        await tx
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: f.status,
            attempts: eb('attempts', '+', 1),
            last_attempt_at: f.at,
            next_attempt_at: null,
            delivered_at: f.status === 'delivered' ? f.at : null,
            last_status_code: f.statusCode,
            last_error: f.error,
          }))
          .where(
            'id',
            'in',
            group.map((g) => g.id),
          )
          .where('status', '=', 'pending')
          .execute();
      }
      const renewed = await tx
        .updateTable('webhooks')
        .set({ lease_until: renewAt + this.#leaseMs })
        .where('id', '=', w.id)
        .where('lease_owner', '=', this.owner)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      if (Number(renewed.numUpdatedRows) === 0) return false;
      w.leaseUntil = renewAt + this.#leaseMs;
      return true;
    });
  }

  /** Pauses the webhook until the head's next attempt, or fails it for good and disables the webhook. */
  async #retryLater(
    webhookId: string,
    row: PendingRow,
    outcome: PostOutcome,
    at: number,
  ): Promise<void> {
    const attempts = row.attempts + 1;
    const next =
      at +
      retryDelayMs(attempts, this.config.retryBaseMs, this.config.retryMaxDelayMs, Math.random());
    const error = describe(outcome);
    const giveUp = !withinRetryWindow(Number(row.created_at), next, this.config.retryForMs);
    if (giveUp) this.hooks.onDelivery?.('disabled');
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('webhook_deliveries')
        .set({
          status: giveUp ? 'failed' : 'pending',
          attempts,
          last_attempt_at: at,
          next_attempt_at: giveUp ? null : next,
          last_status_code: outcome.statusCode ?? null,
          last_error: error,
        })
        .where('id', '=', row.id)
        .execute();
      await tx
        .updateTable('webhooks')
        .set(
          giveUp
            ? {
                enabled: 0,
                retry_at: null,
                disabled_at: at,
                disabled_reason: `delivery failed for ${Math.round(this.config.retryForMs / 60_000)} min (${attempts} attempts); last error: ${error}`,
                updated_at: at,
              }
            : { retry_at: next },
        )
        .where('id', '=', webhookId)
        .execute();
    });
  }

  /** Drops finished deliveries older than the log's retention, and alert marks of long-gone windows. */
  async #prune(): Promise<void> {
    const now = Date.now();
    await this.db
      .deleteFrom('webhook_deliveries')
      .where('status', '<>', 'pending')
      .where('created_at', '<', now - this.config.logRetentionMs)
      .execute();
    await this.db
      .deleteFrom('webhook_alerts')
      .where('fired_at', '<', now - Math.max(this.config.alerts.windowMs * 2, 86_400_000))
      .execute();
  }
}

function describe(outcome: PostOutcome): string {
  if (outcome.error) return outcome.error.slice(0, 500);
  const snippet = outcome.responseSnippet
    ? `: ${outcome.responseSnippet.replace(/\s+/g, ' ').slice(0, 300)}`
    : '';
  return `HTTP ${outcome.statusCode}${snippet}`;
}

/**
 * The delivery loop: sends the outbox's pending deliveries, in order per
 * webhook, at least once, from any number of processes.
 *
 * Work is shared by webhook: a process claims a webhook (a lease on its row,
 * src/store/webhook-delivery-queue.ts), sends that webhook's pending deliveries one after another in id
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
import type { WebhookDeliveryVerbs } from '../store/store.ts';
import type {
  ClaimedWebhook,
  FinishedDelivery,
  RetryDecision,
} from '../store/webhook-delivery-queue.ts';
import type { WebhookConfig } from './webhook-config.ts';
import { signBody, type SigningKey, type SigningKeyCache } from './signing-key.ts';
import { postWebhook, type PostOutcome } from './post-webhook.ts';
import { attemptVerdict, retryDelayMs, withinRetryWindow } from './retry-policy.ts';
import { onEventsRecorded } from '../store/webhook-outbox.ts';
import type { PendingDelivery } from '../store/webhook-order.ts';

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

type Claimed = ClaimedWebhook;

type PendingRow = PendingDelivery;

/** Hooks for the operator metrics (`peer_report_webhook_deliveries_total`). */
export interface DispatcherHooks {
  /** One attempt ended: delivered, failed (retried or given up), or its failure disabled the webhook. */
  onDelivery?(outcome: 'delivered' | 'failed' | 'disabled'): void;
}

type Finished = FinishedDelivery;

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
    private readonly queue: WebhookDeliveryVerbs,
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
  #claim(n: number): Promise<Claimed[]> {
    return this.queue.claim(this.owner, this.#leaseMs, n);
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
        let rows = await this.queue.pending(w.id, lastSeq, READ_AHEAD);
        if (rows.length === 0 && (await this.queue.sequence(w.id, this.owner, SEQUENCE_AHEAD)) > 0)
          rows = await this.queue.pending(w.id, lastSeq, READ_AHEAD);
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
      await this.queue.release(w.id, this.owner);
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
    const renewUntil = Date.now() + this.#leaseMs;
    if (!(await this.queue.record(w.id, this.owner, batch, renewUntil))) return false;
    w.leaseUntil = renewUntil;
    return true;
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
    const decision: RetryDecision = {
      deliveryId: row.id,
      attempts,
      at,
      statusCode: outcome.statusCode ?? null,
      error,
      nextAttemptAt: giveUp ? null : next,
      disabledReason: `delivery failed for ${Math.round(this.config.retryForMs / 60_000)} min (${attempts} attempts); last error: ${error}`,
    };
    await this.queue.retryOrDisable(webhookId, decision);
  }

  /** Drops finished deliveries older than the log's retention, and alert marks of long-gone windows. */
  async #prune(): Promise<void> {
    const now = Date.now();
    await this.queue.prune(
      now - this.config.logRetentionMs,
      now - Math.max(this.config.alerts.windowMs * 2, 86_400_000),
    );
  }
}

function describe(outcome: PostOutcome): string {
  if (outcome.error) return outcome.error.slice(0, 500);
  const snippet = outcome.responseSnippet
    ? `: ${outcome.responseSnippet.replace(/\s+/g, ' ').slice(0, 300)}`
    : '';
  return `HTTP ${outcome.statusCode}${snippet}`;
}

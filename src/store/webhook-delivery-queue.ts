/**
 * The storage side of webhook delivery (the loop itself is src/webhooks/webhook-dispatcher.ts): claiming a
 * webhook (a lease on its row), reading its pending deliveries in send order, recording outcomes while renewing
 * the lease, pausing a webhook for a retry or disabling it, and pruning the delivery log.
 *
 * A claim is shared out between processes by the backend's locks: `FOR UPDATE SKIP LOCKED` on PostgreSQL (a
 * webhook another process is claiming is passed over, not waited for), the single write transaction on SQLite.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';

/** A webhook this process holds the lease of. */
export interface ClaimedWebhook {
  id: string;
  url: string;
  /** When the lease ends unless renewed. */
  leaseUntil: number;
}

/** A delivery's final outcome, recorded with others of its run. */
export interface FinishedDelivery {
  id: number;
  status: 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  at: number;
}

/** The head delivery's failed attempt: retried later, or failed for good with its webhook disabled. */
export interface RetryDecision {
  deliveryId: number;
  attempts: number;
  at: number;
  statusCode: number | null;
  error: string;
  /** When to try again; null gives up (the delivery fails and the webhook is disabled with `disabledReason`). */
  nextAttemptAt: number | null;
  disabledReason: string;
}

/** Enabled, unpaused, unleased webhooks with pending deliveries. */
function claimable(db: Kysely<Database>, now: number, n: number) {
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

/** Claims up to `n` enabled, unpaused, unleased webhooks that have pending deliveries, for `leaseMs`. */
export async function claimWebhooks(
  db: Kysely<Database>,
  dialect: StoreDialect,
  owner: string,
  leaseMs: number,
  n: number,
  now = Date.now(),
): Promise<ClaimedWebhook[]> {
  // A plain read first: an idle poll never takes the write lock (SQLite) or row locks.
  if ((await claimable(db, now, 1).execute()).length === 0) return [];
  return db.transaction().execute(async (tx) => {
    let q = claimable(tx, now, n);
    if (dialect === 'postgres') q = q.forUpdate().skipLocked();
    const rows = await q.execute();
    if (rows.length === 0) return [];
    await tx
      .updateTable('webhooks')
      .set({ lease_owner: owner, lease_until: now + leaseMs })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((r) => ({ ...r, leaseUntil: now + leaseMs }));
  });
}

/**
 * Records finished deliveries and renews the lease of `webhookId` to `renewAt + leaseMs`, in one transaction (a
 * lease is taken over only after it expired, so renewing an unexpired one is safe); false when the lease was lost
 * (expired and taken over: the new holder re-sends what was not recorded) or the webhook was disabled or deleted.
 */
export async function recordDeliveries(
  db: Kysely<Database>,
  webhookId: string,
  owner: string,
  finished: readonly FinishedDelivery[],
  renewUntil: number,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    // One statement per outcome (status, code): a run of 2xx answers is one UPDATE.
    const groups = new Map<string, FinishedDelivery[]>();
    for (const f of finished) {
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
      .set({ lease_until: renewUntil })
      .where('id', '=', webhookId)
      .where('lease_owner', '=', owner)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) > 0;
  });
}

/** Lets go of `webhookId`'s lease if `owner` still holds it. */
export async function releaseWebhook(
  db: Kysely<Database>,
  webhookId: string,
  owner: string,
): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ lease_owner: null, lease_until: null })
    .where('id', '=', webhookId)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Pauses `webhookId` until its head delivery's next attempt, or fails the delivery and disables the webhook. */
export async function retryOrDisable(
  db: Kysely<Database>,
  webhookId: string,
  d: RetryDecision,
): Promise<void> {
  const giveUp = d.nextAttemptAt === null;
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('webhook_deliveries')
      .set({
        status: giveUp ? 'failed' : 'pending',
        attempts: d.attempts,
        last_attempt_at: d.at,
        next_attempt_at: d.nextAttemptAt,
        last_status_code: d.statusCode,
        last_error: d.error,
      })
      .where('id', '=', d.deliveryId)
      .execute();
    await tx
      .updateTable('webhooks')
      .set(
        giveUp
          ? {
              enabled: 0,
              retry_at: null,
              disabled_at: d.at,
              disabled_reason: d.disabledReason,
              updated_at: d.at,
            }
          : { retry_at: d.nextAttemptAt },
      )
      .where('id', '=', webhookId)
      .execute();
  });
}

/** Drops finished deliveries created before `logBefore` and alert marks fired before `alertsBefore`. */
export async function pruneDeliveryLog(
  db: Kysely<Database>,
  logBefore: number,
  alertsBefore: number,
): Promise<void> {
  await db
    .deleteFrom('webhook_deliveries')
    .where('status', '<>', 'pending')
    .where('created_at', '<', logBefore)
    .execute();
  await db.deleteFrom('webhook_alerts').where('fired_at', '<', alertsBefore).execute();
}

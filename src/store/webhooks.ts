/** Webhook configurations of an app, and their delivery log. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { WebhookDeliveriesTable, WebhooksTable } from './webhook-tables.ts';

/** What a client sets on a webhook. */
export interface WebhookFields {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
}

/** Creates a webhook. */
export async function createWebhook(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  fields: WebhookFields,
): Promise<WebhooksTable> {
  const now = Date.now();
  const row: WebhooksTable = {
    id: randomUUID(),
    account_id: accountId,
    app_id: appId,
    name: fields.name,
    url: fields.url,
    events: JSON.stringify(fields.events),
    enabled: fields.enabled ? 1 : 0,
    disabled_reason: null,
    disabled_at: null,
    retry_at: null,
    lease_owner: null,
    lease_until: null,
    sequenced: 0,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('webhooks').values(row).execute();
  return row;
}

/** The app's webhooks, oldest first. */
export async function listWebhooks(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
): Promise<WebhooksTable[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('app_id', '=', appId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** One webhook of the app, or undefined. */
export async function findWebhook(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  id: string,
): Promise<WebhooksTable | undefined> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('app_id', '=', appId)
    .executeTakeFirst();
}

/**
 * Changes the given fields (PUT passes all of them). Enabling a webhook
 * clears why delivery disabled it and its backoff, so its pending events go
 * out again. Returns the updated row, or undefined when it does not exist.
 */
export async function updateWebhook(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  id: string,
  fields: Partial<WebhookFields>,
): Promise<WebhooksTable | undefined> {
  const set: Partial<WebhooksTable> = { updated_at: Date.now() };
  if (fields.name !== undefined) set.name = fields.name;
  if (fields.url !== undefined) set.url = fields.url;
  if (fields.events !== undefined) set.events = JSON.stringify(fields.events);
  if (fields.enabled !== undefined) {
    set.enabled = fields.enabled ? 1 : 0;
    if (fields.enabled)
      Object.assign(set, { disabled_reason: null, disabled_at: null, retry_at: null });
  }
  const res = await db
    .updateTable('webhooks')
    .set(set)
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('app_id', '=', appId)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) return undefined;
  return findWebhook(db, accountId, appId, id);
}

/** Deletes a webhook with its queued deliveries and log; returns the deleted row. */
export async function deleteWebhook(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  id: string,
): Promise<WebhooksTable | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('app_id', '=', appId)
      .executeTakeFirst();
    if (!row) return undefined;
    await tx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    await tx.deleteFrom('webhooks').where('id', '=', id).execute();
    return row;
  });
}

/** A delivery as the log shows it (without the body). */
export type DeliveryLogRow = Omit<
  WebhookDeliveriesTable,
  'body' | 'id' | 'account_id' | 'app_id' | 'webhook_id'
> & { id: number };

/** A page of a webhook's deliveries, newest first, optionally of one status. */
export async function listDeliveries(
  db: Kysely<Database>,
  webhookId: string,
  opts: { status?: string; offset: number; limit: number },
): Promise<{ rows: DeliveryLogRow[]; total: number }> {
  let q = db.selectFrom('webhook_deliveries').where('webhook_id', '=', webhookId);
  if (opts.status) q = q.where('status', '=', opts.status);
  const total = Number(
    (await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
  );
  const rows = await q
    .select([
      'id',
      'event_id',
      'event',
      'status',
      'attempts',
      'created_at',
      'last_attempt_at',
      'next_attempt_at',
      'delivered_at',
      'last_status_code',
      'last_error',
    ])
    .orderBy('id', 'desc')
    .offset(opts.offset)
    .limit(opts.limit)
    .execute();
  return { rows: rows as DeliveryLogRow[], total };
}

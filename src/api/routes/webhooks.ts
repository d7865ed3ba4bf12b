/**
 * RealtimeKit's webhooks resource (`client.realtimeKit.webhooks` of the
 * official SDK, 6.x and 7.x), the list of event names (`GET …/webhooks/all`)
 * and each webhook's delivery log (`GET …/webhooks/{id}/deliveries`, ours).
 *
 * Target URLs are checked when saved: absolute http(s), no credentials, and
 * resolving only to addresses the target policy allows (docs/webhooks.md).
 */
import { requireApp } from '../route-params.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { readJsonBody } from '../request-body.ts';
import { badRequest, notFound } from '../errors.ts';
import { parsePage, pagingBlock } from '../pagination.ts';
import { type DeliveryLogRow, type WebhookFields } from '../../store/webhooks.ts';
import type { WebhooksTable } from '../../store/webhook-tables.ts';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook-events.ts';
import {
  checkTargetAddresses,
  TargetRefusedError,
  urlFormProblem,
} from '../../webhooks/target-address.ts';
import { iso } from '../../util/time.ts';
import { isUuid } from '../../util/uuid.ts';

const events = z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'expected at least one event').max(64);
const name = z.string().trim().min(1, 'expected a non-empty name').max(256);
const url = z.string().max(2048);

/** POST and PUT (`realtimekit_WebhookRequest`). */
const webhookRequestSchema = z.looseObject({ name, url, events, enabled: z.boolean().optional() });
/** PATCH (`realtimekit_PatchWebhookRequest`): omitted fields stay as they are. */
const webhookPatchSchema = z.looseObject({
  name: name.optional(),
  url: url.optional(),
  events: events.optional(),
  enabled: z.boolean().optional(),
});

/** The SDK's Webhook object; `disabled_reason`/`disabled_at` appear when delivery disabled it. */
export function webhookJson(w: WebhooksTable): Record<string, unknown> {
  return {
    id: w.id,
    name: w.name,
    url: w.url,
    events: JSON.parse(w.events) as string[],
    enabled: w.enabled === 1,
    created_at: iso(Number(w.created_at)),
    updated_at: iso(Number(w.updated_at)),
    ...(w.disabled_reason
      ? { disabled_reason: w.disabled_reason, disabled_at: iso(Number(w.disabled_at)) }
      : {}),
  };
}

function deliveryJson(d: DeliveryLogRow): Record<string, unknown> {
  return {
    id: d.event_id,
    event: d.event,
    status: d.status,
    attempts: Number(d.attempts),
    created_at: iso(Number(d.created_at)),
    last_attempt_at: iso(d.last_attempt_at === null ? null : Number(d.last_attempt_at)) ?? null,
    next_attempt_at: iso(d.next_attempt_at === null ? null : Number(d.next_attempt_at)) ?? null,
    delivered_at: iso(d.delivered_at === null ? null : Number(d.delivered_at)) ?? null,
    last_status_code: d.last_status_code === null ? null : Number(d.last_status_code),
    last_error: d.last_error,
  };
}

/** Events without repeats, first occurrence kept. */
const unique = (list: readonly string[]) => [...new Set(list)];

function webhookIdParam(c: Context): string {
  const id = c.req.param('webhook_id') ?? '';
  if (!isUuid(id)) throw badRequest('webhook_id', `must be a valid GUID, got '${id}'`);
  return id;
}

/** Checks a target URL's form and addresses (400 naming `url`). */
async function checkUrl(c: Context<AppEnv>, raw: string): Promise<void> {
  const problem = urlFormProblem(raw);
  if (problem) throw badRequest('url', problem);
  try {
    await checkTargetAddresses(new URL(raw), c.get('ctx').config.webhooks.allowPrivate);
  } catch (err) {
    if (err instanceof TargetRefusedError) throw badRequest('url', err.message);
    throw err;
  }
}

/** Routes of the webhooks resource. */
export function webhooksRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const base = '/accounts/:account_id/realtime/kit/:app_id/webhooks';

  r.get(`${base}/all`, async (c) => {
    await requireApp(c);
    return c.json({ success: true, data: [...WEBHOOK_EVENTS] });
  });

  r.post(base, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const body = await readJsonBody(c, webhookRequestSchema, ctx.config.maxApiBodyBytes);
    await checkUrl(c, body.url);
    const fields: WebhookFields = {
      name: body.name,
      url: body.url,
      events: unique(body.events),
      enabled: body.enabled ?? true,
    };
    return c.json(
      {
        success: true,
        data: webhookJson(await ctx.store.webhooks.create(accountId, appId, fields)),
      },
      201,
    );
  });

  r.get(base, async (c) => {
    const { accountId, appId } = await requireApp(c);
    const rows = await c.get('ctx').store.webhooks.list(accountId, appId);
    return c.json({ success: true, data: rows.map(webhookJson) });
  });

  r.get(`${base}/:webhook_id`, async (c) => {
    const { accountId, appId } = await requireApp(c);
    const id = webhookIdParam(c);
    const w = await c.get('ctx').store.webhooks.find(accountId, appId, id);
    if (!w) throw notFound(`webhook '${id}'`);
    return c.json({ success: true, data: webhookJson(w) });
  });

  r.put(`${base}/:webhook_id`, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const id = webhookIdParam(c);
    const body = await readJsonBody(c, webhookRequestSchema, ctx.config.maxApiBodyBytes);
    if (!(await ctx.store.webhooks.find(accountId, appId, id))) throw notFound(`webhook '${id}'`);
    await checkUrl(c, body.url);
    const w = await ctx.store.webhooks.update(accountId, appId, id, {
      name: body.name,
      url: body.url,
      events: unique(body.events),
      enabled: body.enabled ?? true,
    });
    if (!w) throw notFound(`webhook '${id}'`);
    return c.json({ success: true, data: webhookJson(w) });
  });

  r.patch(`${base}/:webhook_id`, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const id = webhookIdParam(c);
    const body = await readJsonBody(c, webhookPatchSchema, ctx.config.maxApiBodyBytes, {
      allowEmpty: true,
    });
    if (!(await ctx.store.webhooks.find(accountId, appId, id))) throw notFound(`webhook '${id}'`);
    if (body.url !== undefined) await checkUrl(c, body.url);
    const w = await ctx.store.webhooks.update(accountId, appId, id, {
      name: body.name,
      url: body.url,
      events: body.events ? unique(body.events) : undefined,
      enabled: body.enabled,
    });
    if (!w) throw notFound(`webhook '${id}'`);
    return c.json({ success: true, data: webhookJson(w) });
  });

  r.delete(`${base}/:webhook_id`, async (c) => {
    const { accountId, appId } = await requireApp(c);
    const id = webhookIdParam(c);
    const w = await c.get('ctx').store.webhooks.delete(accountId, appId, id);
    if (!w) throw notFound(`webhook '${id}'`);
    return c.json({ success: true, data: webhookJson(w) });
  });

  r.get(`${base}/:webhook_id/deliveries`, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const id = webhookIdParam(c);
    const status = c.req.query('status');
    if (
      status !== undefined &&
      status !== 'pending' &&
      status !== 'delivered' &&
      status !== 'failed'
    ) {
      throw badRequest('status', `expected pending, delivered or failed, got '${status}'`);
    }
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    if (!(await ctx.store.webhooks.find(accountId, appId, id))) throw notFound(`webhook '${id}'`);
    const { rows, total } = await ctx.store.webhooks.deliveries(id, {
      status,
      offset: page.offset,
      limit: page.perPage,
    });
    return c.json({
      success: true,
      data: rows.map(deliveryJson),
      paging: pagingBlock(page, rows.length, total),
    });
  });
  return r;
}

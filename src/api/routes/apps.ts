/** `/accounts/{account_id}/realtime/kit/apps`: create and list apps. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { readJsonBody } from '../request-body.ts';
import { parsePage, pagingBlock } from '../pagination.ts';
import { badRequest } from '../errors.ts';
import { iso } from '../../util/time.ts';

const createAppSchema = z.looseObject({ name: z.string().min(1).max(256) });

/** Routes of the apps resource. */
export function appsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/accounts/:account_id/realtime/kit/apps', async (c) => {
    const ctx = c.get('ctx');
    const body = await readJsonBody(c, createAppSchema, ctx.config.maxApiBodyBytes);
    const app = await ctx.store.apps.create(c.req.param('account_id'), body.name);
    return c.json(
      {
        success: true,
        data: { app: { id: app.id, name: app.name, created_at: iso(app.created_at) } },
      },
      201,
    );
  });
  r.get('/accounts/:account_id/realtime/kit/apps', async (c) => {
    const ctx = c.get('ctx');
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    const order = (c.req.query('sort_order') ?? 'DESC').toUpperCase();
    if (order !== 'ASC' && order !== 'DESC')
      throw badRequest('sort_order', `expected ASC or DESC, got '${order}'`);
    const { rows, total } = await ctx.store.apps.list(c.req.param('account_id'), {
      offset: page.offset,
      limit: page.perPage,
      search: c.req.query('search') || undefined,
      order: order === 'ASC' ? 'asc' : 'desc',
    });
    return c.json({
      success: true,
      data: rows.map((a) => ({ id: a.id, name: a.name, created_at: iso(a.created_at) })),
      paging: pagingBlock(page, rows.length, total),
    });
  });
  return r;
}

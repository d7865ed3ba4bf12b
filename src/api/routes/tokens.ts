/**
 * `/accounts/{account_id}/realtime/kit/tokens`: the account's API tokens, for
 * `Realtime Admin` tokens only (reads included: the list says who can access
 * the account). List (never a secret or hash), create (the secret is in the
 * 201 answer and nowhere else, ever), revoke. A revoked or expired token is
 * refused by every process within the auth cache's lifetime (auth.ts).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { readJsonBody } from '../request-body.ts';
import { ApiError, badRequest, notFound, CF_AUTH_ERROR_CODE } from '../errors.ts';
import { type ApiTokenListing, type TokenPermission } from '../../store/api-tokens.ts';
import { parseDuration } from '../../util/duration.ts';
import { iso } from '../../util/time.ts';

const createTokenSchema = z.looseObject({
  permission: z.enum(['Realtime Admin', 'Realtime']).optional(),
  name: z.string().min(1).max(256).optional(),
  /** e.g. `30d`, `12h`. */
  expires_in: z.string().max(32).optional(),
});

/** A token as the API shows it: never the secret or its hash. */
export function tokenJson(t: ApiTokenListing): Record<string, unknown> {
  return {
    id: t.id,
    account_id: t.account_id,
    permission: t.permission,
    name: t.name,
    created_at: iso(t.created_at),
    last_used_at: iso(t.last_used_at) ?? null,
    expires_at: iso(t.expires_at) ?? null,
    revoked_at: iso(t.revoked_at) ?? null,
  };
}

function requireAdmin(permission: TokenPermission): void {
  if (permission !== 'Realtime Admin') {
    throw new ApiError(
      403,
      'Authentication error: managing API tokens needs the Realtime Admin permission',
      'Authorization',
      CF_AUTH_ERROR_CODE,
    );
  }
}

/** Routes of the tokens resource. */
export function tokensRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const base = '/accounts/:account_id/realtime/kit/tokens';
  r.get(base, async (c) => {
    requireAdmin(c.get('token').permission);
    const tokens = await c.get('ctx').store.tokens.list(c.req.param('account_id'));
    return c.json({ success: true, data: tokens.map(tokenJson) });
  });
  r.post(base, async (c) => {
    requireAdmin(c.get('token').permission);
    const ctx = c.get('ctx');
    const body = await readJsonBody(c, createTokenSchema, ctx.config.maxApiBodyBytes);
    let expiresAt: number | undefined;
    if (body.expires_in !== undefined) {
      const ms = parseDuration(body.expires_in);
      if (ms === undefined)
        throw badRequest(
          'expires_in',
          `expected a whole number and a unit (s, m, h, d or w), e.g. 30d or 12h, got '${body.expires_in}'`,
        );
      expiresAt = Date.now() + ms;
    }
    const created = await ctx.store.tokens.create(
      c.req.param('account_id'),
      body.permission ?? 'Realtime',
      body.name,
      expiresAt,
    );
    const [listed] = await ctx.store.tokens.list(c.req.param('account_id'), created.id);
    return c.json({ success: true, data: { ...tokenJson(listed), token: created.token } }, 201);
  });
  r.delete(`${base}/:token_id`, async (c) => {
    requireAdmin(c.get('token').permission);
    const revoked = await c
      .get('ctx')
      .store.tokens.revoke(c.req.param('token_id'), c.req.param('account_id'));
    if (!revoked) throw notFound(`token ${c.req.param('token_id')}`);
    return c.json({ success: true, data: tokenJson(revoked) });
  });
  return r;
}

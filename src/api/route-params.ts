/**
 * Path parameters the account API's routes share: a UUID segment (400 naming it when malformed) and the app of
 * `/accounts/:account_id/realtime/kit/:app_id` (404 when the account has no such app). One definition for every
 * route module, so the checks and their messages cannot drift apart.
 */
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';
import { badRequest, notFound } from './errors.ts';
import { isUuid } from '../util/uuid.ts';

/** The path parameter `name`, which must be a UUID (else a 400 naming it). */
export function uuidParam(c: Context, name: string): string {
  const v = c.req.param(name) ?? '';
  if (!isUuid(v)) throw badRequest(name, `expected a UUID, got '${v}'`);
  return v;
}

/** The route's account and app ids, once the app is known to exist in the account (else a 404). */
export async function requireApp(
  c: Context<AppEnv>,
): Promise<{ accountId: string; appId: string }> {
  const accountId = c.req.param('account_id') ?? '';
  const appId = c.req.param('app_id') ?? '';
  if (!(await c.get('ctx').store.apps.find(accountId, appId))) throw notFound(`app '${appId}'`);
  return { accountId, appId };
}

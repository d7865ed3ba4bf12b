/**
 * `GET /.well-known/webhooks.json`: the public key that verifies
 * `rtk-signature`, in RealtimeKit's shape
 * (`{success:true, data:{publicKey:<SPKI PEM>}, message:""}`), without auth, so
 * a receiver written against RealtimeKit's docs only changes the host.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { signingKeyCache } from '../../webhooks/signing-key.ts';

/** The public-key route. */
export function wellKnownWebhooksRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/.well-known/webhooks.json', async (c) => {
    const ctx = c.get('ctx');
    const key = await signingKeyCache(ctx.store).current();
    c.header('cache-control', 'public, max-age=60');
    return c.json({ success: true, data: { publicKey: key.publicKeyPem }, message: '' });
  });
  return r;
}

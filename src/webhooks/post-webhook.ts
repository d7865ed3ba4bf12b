/**
 * One delivery attempt: a bounded HTTP POST. The connection goes only to
 * addresses the target policy allows (checked in the socket's DNS lookup,
 * and for IP literals before connecting), redirects are not followed, the
 * whole attempt has a deadline, and at most `maxResponseBytes` of the answer
 * are read (kept for the log).
 */
import http from 'node:http';
import https from 'node:https';
import type { PrivateTargetPolicy } from './webhook-config.ts';
import { checkLiteralHost, guardedLookup } from './target-address.ts';
import type { AttemptResult } from './retry-policy.ts';

/** Limits of an attempt. */
export interface PostLimits {
  timeoutMs: number;
  maxResponseBytes: number;
  policy: PrivateTargetPolicy;
}

/** The outcome of an attempt, with the start of the receiver's answer. */
export interface PostOutcome extends AttemptResult {
  responseSnippet?: string;
}

// Keep-alive connections: a webhook's deliveries go one after another to one receiver.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 });

/** POSTs `body` with `headers` to `url` (parsed once by the caller for a run of deliveries); never throws. */
export function postWebhook(
  url: string | URL,
  body: Buffer,
  headers: Record<string, string>,
  limits: PostLimits,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    let target: URL;
    try {
      target = typeof url === 'string' ? new URL(url) : url;
      checkLiteralHost(target, limits.policy);
    } catch (err) {
      resolve({ error: (err as Error).message });
      return;
    }
    const secure = target.protocol === 'https:';
    const req = (secure ? https : http).request(target, {
      method: 'POST',
      agent: secure ? httpsAgent : httpAgent,
      lookup: guardedLookup(limits.policy) as unknown as http.RequestOptions['lookup'],
      headers: { ...headers, 'content-length': String(body.length) },
    });
    const deadline = setTimeout(() => {
      req.destroy(new Error(`no complete answer within ${limits.timeoutMs} ms`));
    }, limits.timeoutMs);
    req.on('error', (err) => done({ error: err.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () =>
        done({
          statusCode: res.statusCode ?? 0,
          responseSnippet:
            Buffer.concat(chunks).toString('utf8').slice(0, limits.maxResponseBytes) || undefined,
        });
      res.on('data', (chunk: Buffer) => {
        if (size >= limits.maxResponseBytes) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= limits.maxResponseBytes) {
          // Enough for the log: the rest is not read (the connection is dropped, not reused).
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', () => finish());
      res.on('close', finish);
    });
    req.end(body);
  });
}

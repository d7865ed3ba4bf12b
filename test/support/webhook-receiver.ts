/**
 * A real HTTP webhook receiver on 127.0.0.1 for tests: records every request
 * (raw body bytes, headers), answers with a status the test chooses, and can
 * go down (stop listening) and come back on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from 'node:crypto';

/** One request the receiver got. */
export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  body: Record<string, any>;
  /** The answer it got. */
  status: number;
  /** When it arrived (epoch ms). */
  at: number;
}

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status answered from now on (default 200). */
  respondWith(status: number): void;
  /** Stops listening (connections refused) until {@link up}. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Resolves once `predicate` holds for the received list (polls; fails after `timeoutMs`). */
  waitFor(
    predicate: (received: ReceivedWebhook[]) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<void>;
  /** Accepted (2xx) requests, de-duplicated by (`rtk-webhook-id`, `rtk-uuid`) (first arrival kept). */
  accepted(): ReceivedWebhook[];
  close(): Promise<void>;
}

/** Starts a receiver; `port` 0 picks one; `delayMs` delays every answer. */
export async function startWebhookReceiver(port = 0, delayMs = 0): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const raw = Buffer.concat(chunks);
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        /* recorded as is */
      }
      const answer = status;
      const respond = () => {
        received.push({ headers: req.headers, raw, body, status: answer, at });
        res
          .writeHead(answer, { 'content-type': 'text/plain' })
          .end(answer < 300 ? 'ok' : 'receiver says no');
      };
      if (delayMs > 0) setTimeout(respond, delayMs);
      else respond();
    });
  };
  let server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const actualPort = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${actualPort}/hooks`,
    received,
    respondWith(s) {
      status = s;
    },
    down: stop,
    async up() {
      server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(actualPort, '127.0.0.1', () => r()));
    },
    async waitFor(predicate, timeoutMs = 20_000, what = 'webhooks') {
      const end = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > end)
          throw new Error(
            `timed out waiting for ${what}; received ${received.length}: ${received.map((r) => r.body.event).join(', ')}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    accepted() {
      const seen = new Set<string>();
      return received.filter((r) => {
        if (r.status >= 300) return false;
        const id = `${r.headers['rtk-webhook-id']} ${r.headers['rtk-uuid']}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    },
    close: stop,
  };
}

/** Fetches the server's public key from `/.well-known/webhooks.json`, as a RealtimeKit receiver does. */
export async function fetchWebhookPublicKey(serverUrl: string): Promise<string> {
  const res = await fetch(`${serverUrl}/.well-known/webhooks.json`);
  const json = (await res.json()) as {
    success: boolean;
    data: { publicKey: string };
    message: string;
  };
  if (!res.ok || json.success !== true)
    throw new Error(`/.well-known/webhooks.json: ${res.status}`);
  return json.data.publicKey;
}

/** Verifies `rtk-signature` over the raw body with the documented scheme (RSA PKCS#1 v1.5, SHA-256, base64). */
export function signatureVerifies(w: ReceivedWebhook, publicKeyPem: string): boolean {
  const sig = w.headers['rtk-signature'];
  if (typeof sig !== 'string') return false;
  return verify('sha256', w.raw, publicKeyPem, Buffer.from(sig, 'base64'));
}

/**
 * Connection hygiene of the HTTP listener, so that idle or slow clients cannot
 * hold the server's sockets:
 * - a connection that has no request in progress and sends nothing for
 *   `idleTimeoutMs` is closed (a silent socket, or one kept alive too long);
 * - a request's headers must arrive within `headersTimeoutMs`, the whole
 *   request within `requestTimeoutMs` (Node answers 408 and closes);
 * - a kept-alive connection waits `keepAliveTimeoutMs` for its next request;
 * - beyond `maxConnections` concurrent connections new ones are closed at once.
 * A request being handled (a long import, a report being written) is never cut
 * by the idle timeout: only the request timeout bounds its upload.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config.ts';

/** Options for `http.createServer` that Node only takes at creation. */
export function httpServerOptions(config: ServerConfig): {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
} {
  const requestTimeout = Math.max(0, config.requestTimeoutMs);
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout =
    requestTimeout > 0
      ? Math.min(config.headersTimeoutMs, requestTimeout)
      : config.headersTimeoutMs;
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // How often Node checks the headers and request timeouts (its default, 30 s, would let them overrun by that much).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
}

/** Applies the idle timeout and the connection cap to a listening server. */
export function applyConnectionLimits(server: Server, config: ServerConfig): void {
  if (config.maxConnections > 0) server.maxConnections = config.maxConnections;
  if (config.idleTimeoutMs <= 0) return;
  const busy = new WeakSet<Socket>();
  server.on('request', (req, res) => {
    busy.add(req.socket);
    res.once('close', () => busy.delete(req.socket));
  });
  server.setTimeout(config.idleTimeoutMs);
  // With a listener Node leaves the decision to us: close only connections without a request in progress.
  server.on('timeout', (socket: Socket) => {
    if (!busy.has(socket)) socket.destroy();
  });
}

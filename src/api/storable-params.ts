/**
 * Middleware: path segments and query parameters (names and values) must be
 * text the stores can keep (see util/storable-text.ts). `%00` in an id or a
 * `search` would otherwise reach PostgreSQL, which refuses it with an error
 * (a 500), while SQLite compares it: one 400 naming the parameter, on both
 * stores, before any route runs.
 */
import type { MiddlewareHandler } from 'hono';
import { badRequest } from './errors.ts';
import { unstorableReason } from '../util/storable-text.ts';

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes stay as written: plain ASCII
  }
}

/** Refuses requests whose path or query holds U+0000 or a lone surrogate. */
export function storableParams(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    // Percent-escapes are the only way such characters arrive in a URL: most requests skip the checks.
    if (url.includes('%')) {
      const q = url.indexOf('?');
      const segments = (q < 0 ? url : url.slice(0, q)).split('/').slice(3);
      for (const [i, segment] of segments.entries()) {
        const why = unstorableReason(decoded(segment));
        if (why) throw badRequest('path', `path segment ${i + 1}: ${why}`);
      }
      if (q >= 0) {
        for (const [name, values] of Object.entries(c.req.queries())) {
          const nameWhy = unstorableReason(name);
          if (nameWhy) throw badRequest('query', `parameter name: ${nameWhy}`);
          for (const v of values) {
            const why = unstorableReason(v);
            if (why) throw badRequest(name, why);
          }
        }
      }
    }
    await next();
  };
}

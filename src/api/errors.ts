/**
 * The one error type of the HTTP layer and the envelope it renders to.
 *
 * The body carries both shapes clients meet: Cloudflare v4's
 * `{success:false, errors:[{code,message}], messages:[], result:null}` and
 * RealtimeKit's `{success:false, error:{code,message}}`. The official SDK
 * picks its error class from the HTTP status alone.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Cloudflare's code for authentication failures. */
export const CF_AUTH_ERROR_CODE = 10000;

/** An error with an HTTP status, rendered as the error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    /** The request field at fault (`peer_id`, `filters`, `body.samples[3].ts`...). */
    readonly field?: string,
    /** Numeric error code; defaults to the status. */
    readonly code: number = status,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 400 naming the field. */
export const badRequest = (field: string, message: string) => new ApiError(400, `${field}: ${message}`, field);
/** 404 for an unknown resource. */
export const notFound = (what: string) => new ApiError(404, `${what} not found`);
/** 429: the client sends too fast; it may try again after `retryAfterS` seconds (sent as `Retry-After`). */
export const tooManyRequests = (field: string, message: string, retryAfterS: number) =>
  Object.assign(new ApiError(429, message, field), { retryAfterS: Math.max(1, Math.ceil(retryAfterS)) });

/** HTTP headers that go with the error response of `err` (`Retry-After` of a 429). */
export function errorHeaders(err: ApiError): Record<string, string> {
  const retryAfterS = (err as ApiError & { retryAfterS?: number }).retryAfterS;
  return retryAfterS === undefined ? {} : { 'Retry-After': String(retryAfterS) };
}

/** The JSON error body for `err`. */
export function errorBody(err: ApiError): Record<string, unknown> {
  const item: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.field) item.source = { pointer: err.field };
  return {
    success: false,
    errors: [item],
    messages: [],
    result: null,
    error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
  };
}

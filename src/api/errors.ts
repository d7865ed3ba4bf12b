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

/**
 * `errors[].code` / `error.code` per error kind. Cloudflare's common error
 * schema requires codes >= 1000, so the HTTP status is never the code.
 * Documented in README.md (Errors) and docs/openapi.yaml: keep the three in step.
 */
export const ERROR_CODES = {
  /** 400: a path, query or body field is malformed (the field is named). */
  invalid_request: 1001,
  /** 404: the app, meeting, session, participant or peer does not exist here. */
  not_found: 1002,
  /** 404: the peer existed but its telemetry was removed by retention. */
  peer_expired: 1003,
  /** 404: data RealtimeKit keeps but a quality-only server never records (chat, transcripts...). */
  not_recorded: 1004,
  /** 409: telemetry for a peer that has left or timed out. */
  peer_left: 1005,
  /** 413: the body (or its decompressed form) exceeds the limit. */
  body_too_large: 1006,
  /** 415: unsupported Content-Type or Content-Encoding. */
  unsupported_media_type: 1007,
  /** 422: the uploaded dump is not a readable recording (format, JSON or shape). */
  unreadable_dump: 1008,
  /** 422: the upload's compression (gzip) stream is truncated or corrupt. */
  corrupt_compression: 1009,
  /** 500: a fault of the server. */
  internal: 1010,
  /** 429: the client sends too fast (per participant token); `Retry-After` says when to try again. */
  rate_limited: 1011,
  /** 404: no route for this method and path (Cloudflare's own code). */
  no_route: 7003,
  /** 401/403: missing, invalid or insufficient token (Cloudflare's own code). */
  authentication: CF_AUTH_ERROR_CODE,
} as const;

/** A named error kind of {@link ERROR_CODES}. */
export type ErrorKind = keyof typeof ERROR_CODES;

/**
 * The code of an error created without a kind: 1000 + the HTTP status
 * (1409, 1429, 1503...), so every error has a code >= 1000 even when its kind
 * is not in the table yet. 401/403 fall back to Cloudflare's authentication code.
 */
export function defaultErrorCode(status: number): number {
  if (status === 401 || status === 403) return ERROR_CODES.authentication;
  return 1000 + status;
}

/** An error with an HTTP status, rendered as the error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    /** The request field at fault (`peer_id`, `filters`, `body.samples[3].ts`...). */
    readonly field?: string,
    /** Numeric error code (>= 1000, see {@link ERROR_CODES}); defaults to {@link defaultErrorCode}. */
    readonly code: number = defaultErrorCode(status),
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 400 naming the field. */
export const badRequest = (field: string, message: string) =>
  new ApiError(400, `${field}: ${message}`, field, ERROR_CODES.invalid_request);
/** 404 for an unknown resource. */
export const notFound = (what: string) =>
  new ApiError(404, `${what} not found`, undefined, ERROR_CODES.not_found);

/** The code rendered for `err`: its own when >= 1000, else the default of its status (an HTTP status passed as code stays valid). */
export function publicErrorCode(err: ApiError): number {
  return Number.isInteger(err.code) && err.code >= 1000 ? err.code : defaultErrorCode(err.status);
}

/** 429: the client sends too fast; it may try again after `retryAfterS` seconds (sent as `Retry-After`). */
export const tooManyRequests = (field: string, message: string, retryAfterS: number) =>
  Object.assign(new ApiError(429, message, field, ERROR_CODES.rate_limited), {
    retryAfterS: Math.max(1, Math.ceil(retryAfterS)),
  });

/** HTTP headers that go with the error response of `err` (`Retry-After` of a 429). */
export function errorHeaders(err: ApiError): Record<string, string> {
  const retryAfterS = (err as ApiError & { retryAfterS?: number }).retryAfterS;
  return retryAfterS === undefined ? {} : { 'Retry-After': String(retryAfterS) };
}

/** The JSON error body for `err`. */
export function errorBody(err: ApiError): Record<string, unknown> {
  const code = publicErrorCode(err);
  const item: Record<string, unknown> = { code, message: err.message };
  if (err.field) item.source = { pointer: err.field };
  return {
    success: false,
    errors: [item],
    messages: [],
    result: null,
    error: { code, message: err.message, ...(err.field ? { field: err.field } : {}) },
  };
}

/**
 * The error-code table: every error rendered through `errorBody` carries a
 * code >= 1000 (Cloudflare's common error schema), one per kind, and errors of
 * kinds not in the table (new statuses, an HTTP status passed as code) still do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiError,
  badRequest,
  defaultErrorCode,
  ERROR_CODES,
  errorBody,
  notFound,
} from '../../src/api/errors.ts';

const codesOf = (err: ApiError) => {
  const body = errorBody(err) as { errors: { code: number }[]; error: { code: number } };
  return [body.errors[0]!.code, body.error.code];
};

test('every kind has its own code >= 1000', () => {
  const codes = Object.values(ERROR_CODES);
  for (const code of codes) assert.ok(Number.isInteger(code) && code >= 1000, String(code));
  assert.equal(new Set(codes).size, codes.length, 'two kinds share a code');
});

test('the helpers render their kind in both envelopes', () => {
  assert.deepEqual(codesOf(badRequest('peer_id', 'must be a UUID')), [
    ERROR_CODES.invalid_request,
    ERROR_CODES.invalid_request,
  ]);
  assert.deepEqual(codesOf(notFound('peer')), [ERROR_CODES.not_found, ERROR_CODES.not_found]);
});

test('an error created without a kind gets the default of its status, >= 1000 and outside the table', () => {
  const table = new Set<number>(Object.values(ERROR_CODES));
  for (const status of [400, 404, 409, 410, 413, 415, 422, 429, 500, 502, 503] as const) {
    const [a, b] = codesOf(new ApiError(status, 'x'));
    assert.equal(a, b);
    assert.equal(a, defaultErrorCode(status));
    assert.ok(a! >= 1000 && !table.has(a!), `${status} -> ${a}`);
  }
  assert.deepEqual(codesOf(new ApiError(401, 'x')), [
    ERROR_CODES.authentication,
    ERROR_CODES.authentication,
  ]);
});

test('an HTTP status passed as the code (the old style) is replaced by the status default', () => {
  assert.deepEqual(codesOf(new ApiError(409, 'conflict', 'peer_id', 409)), [1409, 1409]);
  assert.deepEqual(codesOf(new ApiError(429, 'slow down', undefined, 429)), [1429, 1429]);
});

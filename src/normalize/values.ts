/**
 * Small, tolerant readers for untyped stat fields. Browser-safe.
 *
 * Old browsers (and serialisers of legacy stats) send numbers as strings, so a
 * numeric string is accepted as a number; anything else non-finite is "absent".
 */

/** A finite number, or a numeric string converted to one; otherwise `undefined`. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A non-empty string; numbers are stringified; otherwise `undefined`. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A boolean, accepting the strings `'true'` / `'false'` of legacy stats. */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Seconds to milliseconds, keeping `undefined`. */
export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

/** First defined value. */
export function firstDefined<T>(...values: (T | undefined)[]): T | undefined {
  for (const v of values) if (v !== undefined) return v;
  return undefined;
}

/** Copies `value` into `target[key]` only when it is defined (the contract never stores `undefined` or fake zeros). */
export function setIfDefined<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value as T[K];
}

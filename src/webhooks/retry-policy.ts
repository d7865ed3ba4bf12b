/**
 * What happens after one delivery attempt (pure). RealtimeKit's rule: a 2xx
 * is delivered, a 5xx or a network failure is retried, any other status is a
 * final failure. peer-report also retries 408 and 429 (the receiver asked for
 * it) and a refused target (DNS may point back to a public address).
 */

/** How one attempt ended. */
export interface AttemptResult {
  /** HTTP status, when a response came. */
  statusCode?: number;
  /** Network error, timeout or refused target. */
  error?: string;
}

/** What to do with the delivery. */
export type AttemptVerdict = 'delivered' | 'retry' | 'failed';

/** Classifies an attempt. */
export function attemptVerdict(result: AttemptResult): AttemptVerdict {
  const s = result.statusCode;
  if (s === undefined) return 'retry';
  if (s >= 200 && s < 300) return 'delivered';
  if (s >= 500 || s === 408 || s === 429) return 'retry';
  return 'failed';
}

/**
 * Delay before attempt `attempts + 1` (after `attempts` failures): base ×
 * 2^(attempts−1), capped, with "equal jitter" (half fixed, half random) so
 * that many webhooks failing together do not retry in lockstep.
 */
export function retryDelayMs(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: number,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 40)));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** Whether an event recorded at `createdAt` may still be retried at `retryAt` (it is retried for `retryForMs`). */
export function withinRetryWindow(createdAt: number, retryAt: number, retryForMs: number): boolean {
  return retryAt <= createdAt + retryForMs;
}

/**
 * Retry policy of the uploader: which failures are worth retrying, and how
 * long to wait before the next attempt. Pure.
 */

/**
 * Whether a failed request should be tried again: network errors (status 0)
 * and 5xx are retried, and so are 408 and 429; any other 4xx is final.
 */
export function isRetriable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential from
 * `baseMs`, capped at `maxMs`, with "equal jitter" (half fixed, half random)
 * so that many clients cut off together do not come back in lockstep.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * The cap of the retry delay once the server has announced its peer timeout
 * (`heartbeat_timeout_s` in the join answer): at most a sixth of it (5 s of
 * the default 30 s), so that after a server outage or a network error the next
 * attempt comes well within the timeout, the peer is not closed for the wait,
 * and its telemetry goes on without a gap.
 */
export function retryCeilingMs(retryMaxMs: number, heartbeatTimeoutS: number | undefined): number {
  if (heartbeatTimeoutS === undefined || !(heartbeatTimeoutS > 0)) return retryMaxMs;
  return Math.max(1, Math.min(retryMaxMs, (heartbeatTimeoutS * 1000) / 6));
}

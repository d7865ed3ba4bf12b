/**
 * Giving the event loop back during background work. A SQLite transaction
 * never lets I/O in (its statements are synchronous, the awaits between them
 * microtasks), so a background loop of transactions holds every request until
 * it yields.
 */

/** Lets pending I/O (HTTP requests) run before the caller goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * After a unit of background work that began at `startedAt`
 * (`performance.now()`), waits as long as it took (at most `maxMs`): the
 * work then takes at most about half of the event loop, so a response that
 * needs several turns of the loop (a 5 MB report) is not held by a unit
 * at each turn.
 */
export function restAfterWork(startedAt: number, maxMs = 100): Promise<void> {
  const elapsed = performance.now() - startedAt;
  if (elapsed < 1) return yieldToEventLoop();
  return new Promise((resolve) => setTimeout(resolve, Math.min(elapsed, maxMs)));
}

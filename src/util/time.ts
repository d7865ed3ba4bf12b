/** ISO-8601 UTC string of an epoch-ms time, or undefined. */
export function iso(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined ? undefined : new Date(ms).toISOString();
}

/** Minutes between two epoch-ms times, rounded to 2 decimals. */
export function minutesBetween(from: number, to: number): number {
  return Math.round(((to - from) / 60000) * 100) / 100;
}

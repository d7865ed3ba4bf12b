/**
 * The service's liveness, shared by every process of one database: each
 * process marks the service alive at start and at every sweep. When nobody
 * marked it for longer than a gap (every process stopped, the machine
 * suspended), the service is taken to have been down, and the time it came
 * back is recorded as `resumed_at`. The timeout sweeper measures a peer's
 * silence from the later of its last contact and that time, so a peer is
 * never closed for silence that overlaps the service's own downtime: its
 * collector could not reach anyone. A process restarting while another one
 * kept running finds the mark fresh and changes nothing (the service was up).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Marks the service alive at `now` and returns when it last resumed: `now`
 * when no process marked it within `gapMs` (or ever), else the stored time.
 */
export async function markServiceAlive(
  db: Kysely<Database>,
  now: number,
  gapMs: number,
): Promise<number> {
  for (let attempt = 0; attempt < 2; attempt++) {
    // One statement, so processes marking at the same moment cannot lose a resumption (SET reads the old row).
    const updated = await db
      .updateTable('service_liveness')
      .set({
        resumed_at: sql<number>`CASE WHEN alive_at < ${now - gapMs} THEN ${now} ELSE resumed_at END`,
        alive_at: sql<number>`CASE WHEN alive_at < ${now} THEN ${now} ELSE alive_at END`,
      })
      .where('id', '=', 1)
      .returning('resumed_at')
      .executeTakeFirst();
    if (updated) return Number(updated.resumed_at);
    // First start on this database (or first since migration 016): it was down until now, as far as anyone knows.
    await db
      .insertInto('service_liveness')
      .values({ id: 1, alive_at: now, resumed_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  return now;
}

/**
 * The gap without any mark after which the service counts as having been
 * down: three sweeps (one slow sweep must not look like an outage), and at
 * most a third of the peer timeout (an outage shorter than that and not
 * detected costs a peer at most that much of its timeout).
 */
export function outageGapMs(sweepIntervalMs: number, peerTimeoutMs: number): number {
  return Math.min(3 * sweepIntervalMs, peerTimeoutMs / 3);
}

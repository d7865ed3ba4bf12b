/**
 * Stores candidate pair rows, keeping per (peer, connection, pair) the newest sample only: a sample older than the
 * stored one (a late batch) leaves it as it is. Shared by the per-batch and the grouped PostgreSQL writes.
 */
import type { Insertable, Transaction } from 'kysely';
import type { CandidatePairsTable, Database } from './schema.ts';

/** Inserts or updates `rows` in the caller's transaction (nothing for an empty list). */
export async function upsertCandidatePairs(
  tx: Transaction<Database>,
  rows: readonly Insertable<CandidatePairsTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insertInto('candidate_pairs')
    .values(rows as Insertable<CandidatePairsTable>[])
    .onConflict((oc) =>
      oc
        .columns(['peer_id', 'pc', 'pair_id'])
        .doUpdateSet((eb) => ({
          ts: eb.ref('excluded.ts'),
          selected: eb.ref('excluded.selected'),
          payload: eb.ref('excluded.payload'),
        }))
        .where('candidate_pairs.ts', '<=', (eb) => eb.ref('excluded.ts')),
    )
    .execute();
}

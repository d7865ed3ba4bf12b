/** A finished peer's diagnosis, computed once when its chunks are compacted (src/store/peer-diagnosis.ts). */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/**
 * Adds to `peers`:
 * - `diagnosis` (JSON: the own part of the diagnosis, with the sent-stream
 *   summaries other peers' reports blame from) and `diagnosis_upto` (the
 *   highest chunk id it covers: a chunk above it makes it stale);
 * - `diagnosis_senders` (JSON: just the sent-stream summaries, what other
 *   peers' reports read for blame: a few KB instead of the whole diagnosis);
 * - `verdict_rank` (0 good … 3 bad, after blame with the session's finished
 *   peers) and `diagnosis_summary` (its sentence), for listings;
 * - `diagnosis_final` (JSON: the report's whole diagnosis after that blame)
 *   and `diagnosis_final_stamp` (the other peers' stored diagnoses it was
 *   computed from: the report uses it while they are unchanged).
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('peers').addColumn('diagnosis', 'text').execute();
  await db.schema.alterTable('peers').addColumn('diagnosis_upto', 'bigint').execute();
  await db.schema.alterTable('peers').addColumn('diagnosis_senders', 'text').execute();
  await db.schema.alterTable('peers').addColumn('verdict_rank', 'integer').execute();
  await db.schema.alterTable('peers').addColumn('diagnosis_summary', 'text').execute();
  await db.schema.alterTable('peers').addColumn('diagnosis_final', 'text').execute();
  await db.schema.alterTable('peers').addColumn('diagnosis_final_stamp', 'text').execute();
}

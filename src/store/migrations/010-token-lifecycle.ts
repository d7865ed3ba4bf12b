/** API token lifecycle: expiry and last use. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/**
 * Adds `api_tokens.expires_at` (epoch ms; null: never) and
 * `api_tokens.last_used_at` (epoch ms, written at most once a minute per
 * token), and an index for listing an account's tokens.
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('api_tokens').addColumn('last_used_at', 'bigint').execute();
  await db.schema
    .createIndex('api_tokens_account')
    .on('api_tokens')
    .columns(['account_id', 'created_at'])
    .execute();
}

/** API tokens: created by the CLI, looked up by hash on every request. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { generateToken, hashToken } from '../util/secret-token.ts';

/** The two RealtimeKit token permission groups. */
export type TokenPermission = 'Realtime Admin' | 'Realtime';

/** A token as the API sees it (never the secret). */
export interface ApiTokenRecord {
  id: string;
  accountId: string;
  permission: TokenPermission;
}

/** Creates a token for `accountId` and returns the secret (shown once). */
export async function createApiToken(
  db: Kysely<Database>,
  accountId: string,
  permission: TokenPermission,
  name?: string,
): Promise<{ id: string; token: string }> {
  const token = generateToken('prk');
  const id = randomUUID();
  await db
    .insertInto('api_tokens')
    .values({ id, account_id: accountId, token_hash: hashToken(token), permission, name: name ?? null, created_at: Date.now(), revoked_at: null })
    .execute();
  return { id, token };
}

/** Finds a live token by its secret. */
export async function findApiToken(db: Kysely<Database>, token: string): Promise<ApiTokenRecord | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'account_id', 'permission'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, accountId: row.account_id, permission: row.permission as TokenPermission } : undefined;
}

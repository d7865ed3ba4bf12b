/** API tokens: created by the CLI or the tokens API, looked up by hash on every request. */
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
  /** Epoch ms after which the token is refused; undefined: never. */
  expiresAt?: number;
}

/** A token as listed: everything but the secret and its hash. */
export interface ApiTokenListing {
  id: string;
  account_id: string;
  permission: TokenPermission;
  name: string | null;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

/** Creates a token for `accountId` and returns the secret (shown once). */
export async function createApiToken(
  db: Kysely<Database>,
  accountId: string,
  permission: TokenPermission,
  name?: string,
  expiresAt?: number,
): Promise<{ id: string; token: string; created_at: number }> {
  const token = generateToken('prk');
  const id = randomUUID();
  const createdAt = Date.now();
  await db
    .insertInto('api_tokens')
    .values({
      id,
      account_id: accountId,
      token_hash: hashToken(token),
      permission,
      name: name ?? null,
      created_at: createdAt,
      revoked_at: null,
      expires_at: expiresAt ?? null,
      last_used_at: null,
    })
    .execute();
  return { id, token, created_at: createdAt };
}

/** Finds a live token (not revoked, not expired) by its secret. */
export async function findApiToken(
  db: Kysely<Database>,
  token: string,
  now = Date.now(),
): Promise<ApiTokenRecord | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'account_id', 'permission', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  if (!row) return undefined;
  const record: ApiTokenRecord = {
    id: row.id,
    accountId: row.account_id,
    permission: row.permission as TokenPermission,
  };
  if (row.expires_at !== null) record.expiresAt = Number(row.expires_at);
  return record;
}

/** Tokens of `accountId` (of every account when undefined; only token `id` when given), oldest first; never the secret or its hash. */
export async function listApiTokens(
  db: Kysely<Database>,
  accountId?: string,
  id?: string,
): Promise<ApiTokenListing[]> {
  let q = db
    .selectFrom('api_tokens')
    .select([
      'id',
      'account_id',
      'permission',
      'name',
      'created_at',
      'last_used_at',
      'expires_at',
      'revoked_at',
    ]);
  if (accountId !== undefined) q = q.where('account_id', '=', accountId);
  if (id !== undefined) q = q.where('id', '=', id);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  const n = (v: number | string | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    ...r,
    permission: r.permission as TokenPermission,
    created_at: Number(r.created_at),
    last_used_at: n(r.last_used_at),
    expires_at: n(r.expires_at),
    revoked_at: n(r.revoked_at),
  }));
}

/**
 * Revokes token `id` (of `accountId` when given). Returns the token as it is
 * now, or undefined when there is no such token; revoking twice keeps the
 * first revocation time.
 */
export async function revokeApiToken(
  db: Kysely<Database>,
  id: string,
  accountId?: string,
  now = Date.now(),
): Promise<ApiTokenListing | undefined> {
  let update = db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null);
  if (accountId !== undefined) update = update.where('account_id', '=', accountId);
  await update.execute();
  return (await listApiTokens(db, accountId, id))[0];
}

/** Records a use of token `id` at `now`, unless one at most `throttleMs` old is recorded already (no write then). */
export async function touchApiToken(
  db: Kysely<Database>,
  id: string,
  now: number,
  throttleMs: number,
): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - throttleMs)]),
    )
    .execute();
}

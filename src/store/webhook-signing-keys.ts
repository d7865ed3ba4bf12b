/**
 * The stored webhook signing keys (the key pairs are made by src/webhooks/signing-key.ts): the current one,
 * the first one, and rotation, serialised between processes by the backend's named lock.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { DialectAdapter } from './dialect-adapter.ts';

/** A stored key pair (PEM). */
export interface SigningKeyRow {
  id: string;
  public_key: string;
  private_key: string;
  created_at: number;
}

/** The name key creation and rotation lock. */
const KEY_LOCK = 'peer-report webhook key';

/** The key that signs now (the newest not retired). */
export async function currentSigningKey(db: Kysely<Database>): Promise<SigningKeyRow | undefined> {
  const row = await db
    .selectFrom('webhook_signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) return undefined;
  return { ...row, created_at: Number(row.created_at) };
}

/** Stores `key` unless a current key exists (a process that loses the first-start race discards its pair). */
export async function addFirstSigningKey(
  db: Kysely<Database>,
  adapter: DialectAdapter,
  key: SigningKeyRow,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await adapter.lockNamed(tx, KEY_LOCK);
    const again = await tx
      .selectFrom('webhook_signing_keys')
      .select('id')
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    if (again) return;
    await tx
      .insertInto('webhook_signing_keys')
      .values({ ...key, retired_at: null })
      .execute();
  });
}

/** Retires the current key and stores `key` in its place. */
export async function rotateSigningKey(
  db: Kysely<Database>,
  adapter: DialectAdapter,
  key: SigningKeyRow,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await adapter.lockNamed(tx, KEY_LOCK);
    await tx
      .updateTable('webhook_signing_keys')
      .set({ retired_at: key.created_at })
      .where('retired_at', 'is', null)
      .execute();
    await tx
      .insertInto('webhook_signing_keys')
      .values({ ...key, retired_at: null })
      .execute();
  });
}

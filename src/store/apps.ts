/** RealtimeKit apps (a namespace of meetings inside an account). */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, AppsTable } from './schema.ts';
import { containsIgnoringCase } from './like-pattern.ts';

/** Creates an app. */
export async function createApp(
  db: Kysely<Database>,
  accountId: string,
  name: string,
): Promise<AppsTable> {
  const row: AppsTable = { id: randomUUID(), account_id: accountId, name, created_at: Date.now() };
  await db.insertInto('apps').values(row).execute();
  return row;
}

/** An app of the account, or undefined. */
export async function findApp(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
): Promise<AppsTable | undefined> {
  return db
    .selectFrom('apps')
    .selectAll()
    .where('id', '=', appId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** A page of the account's apps. */
export async function listApps(
  db: Kysely<Database>,
  accountId: string,
  opts: { offset: number; limit: number; search?: string; order: 'asc' | 'desc' },
): Promise<{ rows: AppsTable[]; total: number }> {
  let q = db.selectFrom('apps').where('account_id', '=', accountId);
  if (opts.search) q = q.where(containsIgnoringCase('name', opts.search));
  const total = Number(
    (await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
  );
  const rows = await q
    .selectAll()
    .orderBy('created_at', opts.order)
    .orderBy('id', opts.order)
    .offset(opts.offset)
    .limit(opts.limit)
    .execute();
  return { rows, total };
}

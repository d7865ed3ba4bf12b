/**
 * The server's webhook signing key: an RSA key pair (2048 bits) made on first
 * start and stored in the database, so every process signs with the same key
 * and receivers fetch one public key from `/.well-known/webhooks.json`, as
 * they do from RealtimeKit. Rotation stores a new pair and retires the old
 * one; processes pick the new key up within {@link KEY_CACHE_MS}.
 *
 * The private key is stored as PKCS#8 PEM in the database: whoever can read
 * the database can sign as this server (documented in docs/webhooks.md).
 */
import { createPrivateKey, generateKeyPair, randomUUID, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { StoreDialect } from '../store/store-dialect.ts';

const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(sign);

/** How long a process keeps using the key it read (ms). */
export const KEY_CACHE_MS = 5_000;

/** The key that signs now. */
export interface SigningKey {
  id: string;
  publicKeyPem: string;
  privateKey: KeyObject;
  createdAt: number;
}

async function newPair(): Promise<{ publicKey: string; privateKey: string }> {
  return generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

async function readCurrent(db: Kysely<Database>): Promise<SigningKey | undefined> {
  const row = await db
    .selectFrom('webhook_signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    publicKeyPem: row.public_key,
    privateKey: createPrivateKey(row.private_key),
    createdAt: Number(row.created_at),
  };
}

/** Serialises key creation and rotation between processes (SQLite: the write transaction itself). */
async function lockKeys(tx: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  if (dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext('peer-report webhook key ' || coalesce(current_schema(), '')))`.execute(
      tx,
    );
}

/** The current key, made and stored now if the database has none (first start). */
export async function ensureSigningKey(
  db: Kysely<Database>,
  dialect: StoreDialect,
): Promise<SigningKey> {
  const existing = await readCurrent(db);
  if (existing) return existing;
  // Made outside the transaction (it takes ~100 ms); a process that loses the race discards its pair.
  const pair = await newPair();
  await db.transaction().execute(async (tx) => {
    await lockKeys(tx, dialect);
    const again = await tx
      .selectFrom('webhook_signing_keys')
      .select('id')
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    if (again) return;
    await tx
      .insertInto('webhook_signing_keys')
      .values({
        id: randomUUID(),
        public_key: pair.publicKey,
        private_key: pair.privateKey,
        created_at: Date.now(),
        retired_at: null,
      })
      .execute();
  });
  return (await readCurrent(db))!;
}

/** Stores a new key pair and retires the current one; returns the new key. */
export async function rotateSigningKey(
  db: Kysely<Database>,
  dialect: StoreDialect,
): Promise<SigningKey> {
  const pair = await newPair();
  const now = Date.now();
  await db.transaction().execute(async (tx) => {
    await lockKeys(tx, dialect);
    await tx
      .updateTable('webhook_signing_keys')
      .set({ retired_at: now })
      .where('retired_at', 'is', null)
      .execute();
    await tx
      .insertInto('webhook_signing_keys')
      .values({
        id: randomUUID(),
        public_key: pair.publicKey,
        private_key: pair.privateKey,
        created_at: now,
        retired_at: null,
      })
      .execute();
  });
  return (await readCurrent(db))!;
}

/** RSASSA-PKCS1-v1_5 / SHA-256 signature of `body`, base64 (`rtk-signature`); computed on libuv's thread pool. */
export async function signBody(body: Buffer, key: SigningKey): Promise<string> {
  return (await signAsync('sha256', body, key.privateKey)).toString('base64');
}

/** The current key of a database, re-read at most every {@link KEY_CACHE_MS}. */
export class SigningKeyCache {
  #key?: SigningKey;
  #readAt = 0;
  #pending?: Promise<SigningKey>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  /** The key to sign with now. */
  async current(): Promise<SigningKey> {
    if (this.#key && Date.now() - this.#readAt < KEY_CACHE_MS) return this.#key;
    this.#pending ??= ensureSigningKey(this.db, this.dialect)
      .then((k) => {
        this.#key = k;
        this.#readAt = Date.now();
        return k;
      })
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }
}

const caches = new WeakMap<Kysely<Database>, SigningKeyCache>();

/** The process-wide key cache of `db`. */
export function signingKeyCache(db: Kysely<Database>, dialect: StoreDialect): SigningKeyCache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new SigningKeyCache(db, dialect)));
  return c;
}

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
import type { Store } from '../store/store.ts';

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

/** The stored key that signs now, as a key object. */
async function readCurrent(store: Store): Promise<SigningKey | undefined> {
  const row = await store.webhooks.currentSigningKey();
  if (!row) return undefined;
  return {
    id: row.id,
    publicKeyPem: row.public_key,
    privateKey: createPrivateKey(row.private_key),
    createdAt: row.created_at,
  };
}

/** A new key pair as a row to store, made at `now`. */
async function newKeyRow(now: number) {
  const pair = await newPair();
  return {
    id: randomUUID(),
    public_key: pair.publicKey,
    private_key: pair.privateKey,
    created_at: now,
  };
}

/** The current key, made and stored now if the database has none (first start). */
export async function ensureSigningKey(store: Store): Promise<SigningKey> {
  const existing = await readCurrent(store);
  if (existing) return existing;
  // Made outside the transaction (it takes ~100 ms); a process that loses the race discards its pair.
  await store.webhooks.addFirstSigningKey(await newKeyRow(Date.now()));
  return (await readCurrent(store))!;
}

/** Stores a new key pair and retires the current one; returns the new key. */
export async function rotateSigningKey(store: Store): Promise<SigningKey> {
  await store.webhooks.rotateSigningKey(await newKeyRow(Date.now()));
  return (await readCurrent(store))!;
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

  constructor(private readonly store: Store) {}

  /** The key to sign with now. */
  async current(): Promise<SigningKey> {
    if (this.#key && Date.now() - this.#readAt < KEY_CACHE_MS) return this.#key;
    this.#pending ??= ensureSigningKey(this.store)
      .then((k) => {
        this.#key = k;
        this.#readAt = Date.now();
        return k;
      })
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }
}

const caches = new WeakMap<Store, SigningKeyCache>();

/** The process-wide key cache of `store`. */
export function signingKeyCache(store: Store): SigningKeyCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new SigningKeyCache(store)));
  return c;
}

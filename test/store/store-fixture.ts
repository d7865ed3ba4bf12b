/**
 * The store under test for the contract suite (test/store/): the embedded store in a temporary directory, or,
 * when TEST_DATABASE_URL is set (the PostgreSQL pass of scripts/run-tests.ts), a fresh PostgreSQL schema. Both
 * go through `openStore`, as the server does; {@link StoreFixture.openAnother} opens a second store on the same
 * database (as a second server process would).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { ParticipantRecord } from '../../src/store/participants.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';

/** A store and the means to open another on its database. */
export interface StoreFixture {
  store: Store;
  openAnother(): Promise<Store>;
  close(): Promise<void>;
}

/** Opens a store on a fresh database of the backend under test. */
export async function openFixture(): Promise<StoreFixture> {
  const base = process.env.TEST_DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-store-contract-'));
  const pg = base ? await freshPostgresUrl(base) : undefined;
  const options = { dataDir, databaseUrl: pg?.url };
  const store = await openStore(options);
  const others: Store[] = [];
  return {
    store,
    async openAnother() {
      const other = await openStore(options);
      others.push(other);
      return other;
    },
    async close() {
      await Promise.all([store, ...others].map((s) => s.close()));
      if (pg) await dropPostgresSchema(base!, pg.schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An app, a meeting and a participant in account `acct`. */
export async function participantIn(store: Store, custom = 'u1'): Promise<ParticipantRecord> {
  const app = await store.apps.create('acct', 'contract app');
  const meeting = await store.meetings.create({ accountId: 'acct', appId: app.id, config: {} });
  const { participant } = await store.participants.add({
    accountId: 'acct',
    appId: app.id,
    meetingId: meeting.id,
    customParticipantId: custom,
    presetName: 'host',
  });
  return participant;
}

/** Join fields of a live peer joined at `joinedAt`. */
export const liveJoin = (joinedAt = Date.now()) => ({
  client: '{}',
  ip_info: null,
  precall: null,
  source: 'live' as const,
  joinedAt,
});

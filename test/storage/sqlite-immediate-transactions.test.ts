/**
 * The embedded store's Kysely transactions begin immediate (src/store/immediate-transactions.ts): the write lock
 * is taken at `begin`, before any statement, so a transaction that reads first can always write later, however
 * many processes share the file. Before issue 14 this was a rewrite hidden in the statement cache.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/open-database.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-immediate-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a Kysely transaction on the embedded store holds the write lock from its begin', async () => {
  const store = await openDatabase({ dataDir: dir });
  const other = new SQLite(path.join(dir, 'peer-report.sqlite'));
  other.pragma('busy_timeout = 0');
  try {
    // Outside a transaction another connection may take the write lock.
    other.exec('begin immediate; rollback');
    await store.db.transaction().execute(async (trx) => {
      // A read only: a deferred transaction would hold no write lock yet.
      await sql`select 1`.execute(trx);
      assert.throws(
        () => other.exec('begin immediate'),
        /locked|busy/i,
        'another connection must not get the write lock while the transaction is open',
      );
    });
    other.exec('begin immediate; rollback');
  } finally {
    other.close();
    await store.close();
  }
});

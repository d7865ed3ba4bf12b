/**
 * Migration 034 on a database that already holds sessions: `session_counts` is
 * filled from them (per tenant, status and UTC day of `started_at`), and the
 * listing's totals are right straight after the upgrade.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, SqliteDialect, sql, type Migration } from 'kysely';
import SQLite from 'better-sqlite3';
import { migrateToLatest } from '../../src/store/migrate.ts';
import * as initial from '../../src/store/migrations/001-initial.ts';

const DAY = 86_400_000;

test('an existing database’s sessions are counted per tenant, status and day on upgrade', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-counts-'));
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: new SQLite(path.join(dir, 'db.sqlite')) }),
  });
  try {
    const only001 = new Migrator({
      db,
      provider: {
        getMigrations: async (): Promise<Record<string, Migration>> => ({
          '001-initial': { up: (k) => initial.up(k, 'sqlite') },
        }),
      },
    });
    assert.equal((await only001.migrateToLatest()).error, undefined);
    const t0 = Date.UTC(2026, 0, 10);
    const rows = [
      ['a', 'app1', 'ENDED', t0 + 5],
      ['a', 'app1', 'ENDED', t0 + DAY - 1],
      ['a', 'app1', 'ENDED', t0 + DAY],
      ['a', 'app1', 'LIVE', t0 + DAY + 7],
      ['a', 'app2', 'ENDED', t0],
      ['b', 'app3', 'LIVE', t0 + 3 * DAY],
    ] as const;
    for (const [i, [account, app, status, started]] of rows.entries()) {
      await db
        .insertInto('sessions')
        .values({
          id: `s${i}`,
          account_id: account,
          app_id: app,
          meeting_id: 'm',
          status,
          started_at: started,
          ended_at: null,
          live_participants: 0,
          max_concurrent_participants: 1,
          minutes_consumed: 0,
          created_at: started,
          updated_at: started,
        })
        .execute();
    }
    await migrateToLatest(db, 'sqlite');
    const counts = (
      await sql<{
        account_id: string;
        app_id: string;
        status: string;
        day: number;
        n: number;
      }>`select account_id, app_id, status, day, n from session_counts order by account_id, app_id, status, day`.execute(
        db,
      )
    ).rows;
    const day0 = Math.floor(t0 / DAY);
    assert.deepEqual(
      counts.map((c) => [c.account_id, c.app_id, c.status, Number(c.day) - day0, Number(c.n)]),
      [
        ['a', 'app1', 'ENDED', 0, 2],
        ['a', 'app1', 'ENDED', 1, 1],
        ['a', 'app1', 'LIVE', 1, 1],
        ['a', 'app2', 'ENDED', 0, 1],
        ['b', 'app3', 'LIVE', 3, 1],
      ],
    );
    // The triggers work from here on: a session that ends moves from LIVE to ENDED on its day.
    await db.updateTable('sessions').set({ status: 'ENDED' }).where('id', '=', 's3').execute();
    const after = (
      await sql<{
        status: string;
        n: number;
      }>`select status, n from session_counts where account_id = 'a' and app_id = 'app1' and day = ${day0 + 1} order by status`.execute(
        db,
      )
    ).rows;
    assert.deepEqual(
      after.map((r) => [r.status, Number(r.n)]),
      [
        ['ENDED', 2],
        ['LIVE', 0],
      ],
    );
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

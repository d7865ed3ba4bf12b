/**
 * Storage contract, on the backend TEST_DATABASE_URL selects (the runner runs
 * this folder on SQLite and on PostgreSQL): versioned migrations upgrade a
 * database in place, partitions exist ahead (PostgreSQL), and retention
 * removes old telemetry, leaving an "expired" report and fresh data intact.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, SqliteDialect, sql, type Migration } from 'kysely';
import SQLite from 'better-sqlite3';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7, Cloudflare } from '../support/sdk.ts';
import { runSimulation } from '../../src/simulate/simulate-run.ts';
import { applyRetention, ensurePartitions, partitionName } from '../../src/store/retention.ts';
import { migrateToLatest, MIGRATIONS } from '../../src/store/migrate.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import pgDriver from 'pg';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import * as initial from '../../src/store/migrations/001-initial.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const DAY = 86_400_000;
const pg = Boolean(process.env.TEST_DATABASE_URL);

let t: TestServer;
before(async () => {
  t = await startTestServer({ retentionDays: 7, peerTimeoutMs: 600_000 });
});
after(() => t.close());

describe('retention', () => {
  test('old telemetry is removed, its peer answers 404 "expired", fresh peers are untouched', async () => {
    const [oldPeer] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 1,
      peers: 1,
      seed: 1,
    });
    const [freshPeer] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 1,
      peers: 1,
      seed: 2,
    });
    const db = databaseOf(t.server.context.store).db;
    const now = Date.now();
    // Age the first call by 30 days, as if it had been stored then.
    if (pg) {
      // Rows cannot move out of today's partition by UPDATE into a missing one: re-insert into an old day.
      await sql`DELETE FROM quality_chunks WHERE peer_id = ${oldPeer.peerId}`.execute(db);
    } else {
      await db
        .updateTable('quality_chunks')
        .set({ received_at: now - 30 * DAY })
        .where('peer_id', '=', oldPeer.peerId)
        .execute();
    }
    await db
      .updateTable('peers')
      .set({ updated_at: now - 30 * DAY })
      .where('id', '=', oldPeer.peerId)
      .execute();

    const result = await applyRetention(db, t.server.context.store.name, now, 7);
    assert.equal(result.expiredPeers, 1);
    if (!pg) assert.ok(result.deletedChunks > 0);

    const cf = sdk7(t.baseURL, t.token);
    const err = await cf.realtimeKit.sessions
      .getParticipantDataFromPeerID(oldPeer.peerId, { account_id: t.accountId, app_id: t.appId })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Cloudflare.NotFoundError, 'err instanceof Cloudflare.NotFoundError');
    assert.match(String((err as Error).message), /expired/);
    const fresh = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(freshPeer.peerId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(fresh.data!.participant!.peer_report!.quality!.audio_producer!.length, 30);
    // The expired peer still appears in its session (identity is kept).
    const parts = await cf.realtimeKit.sessions.getSessionParticipants(oldPeer.sessionId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.deepEqual(
      parts.data!.participants!.map((p) => p.id),
      [oldPeer.peerId],
    );
    // A second pass finds nothing more.
    assert.equal((await applyRetention(db, t.server.context.store.name, now, 7)).expiredPeers, 0);
    // Retention 0 keeps everything.
    assert.deepEqual(await applyRetention(db, t.server.context.store.name, now + 365 * DAY, 0), {
      droppedPartitions: [],
      deletedChunks: 0,
      expiredPeers: 0,
    });
  });

  test(
    'PostgreSQL: daily partitions exist ahead, and a partition past retention is dropped whole',
    { skip: pg ? false : 'PostgreSQL only' },
    async () => {
      const db = databaseOf(t.server.context.store).db;
      const now = Date.now();
      const today = Math.floor(now / DAY) * DAY;
      await ensurePartitions(db, 'postgres', now, 3);
      const names = (
        await sql<{
          name: string;
        }>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace where p.relname = 'quality_chunks' and n.nspname = current_schema()`.execute(
          db,
        )
      ).rows.map((r) => r.name);
      for (let d = 0; d <= 3; d++)
        assert.ok(names.includes(partitionName(today + d * DAY)), `partition for day +${d}`);
      // A partition 40 days old with a row in it.
      const old = today - 40 * DAY;
      await sql`CREATE TABLE ${sql.id(partitionName(old))} PARTITION OF quality_chunks FOR VALUES FROM (${sql.lit(old)}) TO (${sql.lit(old + DAY)})`.execute(
        db,
      );
      await sql`INSERT INTO quality_chunks (account_id, peer_id, series, stream_key, first_ts, last_ts, n, rows_json, metrics, received_at)
      VALUES ('a', 'p', 'audio_producer', 'k', 1, 2, 1, '\\x7b7d'::bytea, '\\x00'::bytea, ${old + 1000})`.execute(
        db,
      );
      const result = await applyRetention(db, 'postgres', now, 7);
      assert.deepEqual(result.droppedPartitions, [partitionName(old)]);
      const left = await sql<{
        n: number;
      }>`select count(*)::int as n from quality_chunks where received_at < ${now - 7 * DAY}`.execute(
        db,
      );
      assert.equal(left.rows[0].n, 0);
    },
  );
});

describe('distribution key', () => {
  test('every telemetry row carries its account', async () => {
    const [peer] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 0.5,
      peers: 1,
      seed: 3,
    });
    const db = databaseOf(t.server.context.store).db;
    for (const table of [
      'peer_batches',
      'peer_events',
      'candidate_pairs',
      'stream_state',
      'quality_chunks',
    ] as const) {
      const rows = await db
        .selectFrom(table)
        .select('account_id')
        .where('peer_id', '=', peer.peerId)
        .execute();
      assert.ok(rows.length > 0, `${table} has rows`);
      assert.ok(
        rows.every((r) => r.account_id === t.accountId),
        table,
      );
    }
  });
});

describe('migrations', () => {
  test(
    'an existing database at version 001 is upgraded in place, keeping its data',
    { skip: pg ? 'the SQLite file case covers the runner' : false },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-migrate-'));
      try {
        const db = new Kysely<any>({
          dialect: new SqliteDialect({ database: new SQLite(path.join(dir, 'db.sqlite')) }),
        });
        const only001 = new Migrator({
          db,
          provider: {
            getMigrations: async (): Promise<Record<string, Migration>> => ({
              '001-initial': { up: (k) => initial.up(k, 'sqlite') },
            }),
          },
        });
        const first = await only001.migrateToLatest();
        assert.equal(first.error, undefined);
        await db
          .insertInto('apps')
          .values({ id: 'app-1', account_id: 'acc', name: 'kept', created_at: 1 })
          .execute();
        await db
          .insertInto('peers')
          .values({
            id: 'peer-1',
            account_id: 'acc',
            app_id: 'app-1',
            meeting_id: 'm',
            session_id: 's',
            participant_id: 'p',
            status: 'left',
            joined_at: 1,
            last_seen_at: 2,
            client: '{}',
            source: 'live',
            created_at: 1,
            updated_at: 2,
          })
          .execute();
        await db
          .insertInto('peer_batches')
          .values({ peer_id: 'peer-1', batch_id: 'batch-0001', received_at: 2 })
          .execute();
        await migrateToLatest(db, 'sqlite');
        // 004 gave the per-peer tables their account (the distribution key), filled from the peer.
        const batch = await db.selectFrom('peer_batches').selectAll().executeTakeFirstOrThrow();
        assert.equal(batch.account_id, 'acc');
        const app = await db
          .selectFrom('apps')
          .selectAll()
          .where('id', '=', 'app-1')
          .executeTakeFirst();
        assert.equal(app?.name, 'kept');
        const applied = (
          await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()
        ).map((r) => r.name);
        assert.deepEqual(applied, Object.keys(MIGRATIONS));
        const cols = (
          await sql<{ name: string }>`select name from pragma_table_info('peers')`.execute(db)
        ).rows.map((r) => r.name);
        assert.ok(cols.includes('expired_at'), "cols.includes('expired_at')");
        await db.destroy();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    'a database migrated by a newer version is refused, naming the unknown migration, and left as it is',
    { skip: pg ? 'the SQLite file case covers the runner' : false },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-migrate-'));
      try {
        const first = await openDatabase({ dataDir: dir });
        await first.db
          .insertInto('kysely_migration' as any)
          .values({ name: '999-from-the-future', timestamp: new Date().toISOString() })
          .execute();
        await first.close();
        await assert.rejects(
          openDatabase({ dataDir: dir }),
          /newer peer-report.*999-from-the-future/,
        );
        const sqlite = new SQLite(path.join(dir, 'peer-report.sqlite'));
        assert.equal(
          (sqlite.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n,
          Object.keys(MIGRATIONS).length + 1,
        );
        sqlite.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  // Several deployments (or test runs) may share one PostgreSQL database, one
  // schema each. Kysely's own migrator introspected every schema and failed with
  // "schema … does not exist" when another one was dropped meanwhile.
  test(
    'PostgreSQL: fresh schemas migrate while other schemas of the database are created and dropped',
    { skip: pg ? false : 'PostgreSQL only' },
    async () => {
      const base = process.env.TEST_DATABASE_URL!;
      const churnClient = new pgDriver.Client({ connectionString: base });
      await churnClient.connect();
      let stop = false;
      let churned = 0;
      const churn = (async () => {
        while (!stop) {
          const name = `churn_${randomBytes(5).toString('hex')}`;
          await churnClient.query(
            `create schema ${name}; create table ${name}.a (id serial primary key, b text); create table ${name}.b (id serial primary key, c int)`,
          );
          await churnClient.query(`drop schema ${name} cascade`);
          churned++;
        }
      })();
      try {
        for (let i = 0; i < 12; i++) {
          const { url, schema } = await freshPostgresUrl(base);
          try {
            const opened = await openDatabase({ databaseUrl: url });
            const applied = await opened.db
              .selectFrom('kysely_migration' as any)
              .select('name')
              .orderBy('name')
              .execute();
            assert.deepEqual(
              applied.map((r: any) => r.name),
              Object.keys(MIGRATIONS),
            );
            await opened.close();
          } finally {
            await dropPostgresSchema(base, schema);
          }
        }
      } finally {
        stop = true;
        await churn;
        await churnClient.end();
      }
      assert.ok(churned > 0, 'other schemas were created and dropped meanwhile');
    },
  );
});

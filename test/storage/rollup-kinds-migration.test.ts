/**
 * Migration 040 on a database that holds rollups of the interim rule: issue
 * masks and the buckets' issue counts become the diagnosis' kinds, and a peer
 * with a stored listing verdict gets it in its rollup, the buckets' verdict
 * counts moved with it (embedded store).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import SQLite from 'better-sqlite3';
import { MIGRATIONS, migrateToLatest } from '../../src/store/migrate.ts';
import { issuesOfMask } from '../../src/rollup/rollup-diagnosis.ts';

test('interim rollups are brought over to the diagnosis kinds and stored verdicts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-kinds-'));
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: new SQLite(path.join(dir, 'db.sqlite')) }),
  });
  try {
    // Every migration before 040.
    const before = Object.fromEntries(
      Object.entries(MIGRATIONS)
        .filter(([name]) => name < '040')
        .map(([name, m]): [string, Migration] => [name, { up: (k) => m.up(k, 'sqlite') }]),
    );
    const migrator = new Migrator({ db, provider: { getMigrations: async () => before } });
    assert.equal((await migrator.migrateToLatest()).error, undefined, 'migrations up to 039');
    const now = Date.UTC(2026, 10, 2, 12);
    const peer = (id: string, verdictRank: number | null) => ({
      id,
      account_id: 'acc',
      app_id: 'app',
      meeting_id: 'm',
      session_id: 's',
      participant_id: 'pa',
      status: 'left',
      joined_at: now - 60_000,
      left_at: now,
      last_seen_at: now,
      client: '{}',
      source: 'live',
      created_at: now,
      updated_at: now,
      verdict_rank: verdictRank,
    });
    await db
      .insertInto('peers')
      .values([peer('p1', 3), peer('p2', null)])
      .execute();
    const rollup = (id: string, verdict: string, mask: number) => ({
      peer_id: id,
      account_id: 'acc',
      app_id: 'app',
      session_id: 's',
      joined_at: now - 60_000,
      finished_at: now,
      day: '2026-11-02',
      hour: '12',
      browser: 'Chrome',
      os: 'Linux',
      country: 'DE',
      asn: 'AS3320',
      network: 'relay-tcp',
      minutes: 1,
      verdict,
      issue_mask: mask,
      severity: 1000 + 80,
      chunks_upto: 1,
      computed_at: now,
    });
    // Interim bits: 0 high_loss, 2 high_jitter, 3 low_audio_mos, 5 relay_tcp.
    await db
      .insertInto('peer_rollups')
      .values([rollup('p1', 'fair', 0b101101), rollup('p2', 'fair', 0b001000)])
      .execute();
    const bucket = (dim: string, value: string) => ({
      account_id: 'acc',
      app_id: 'app',
      day: '2026-11-02',
      dim,
      value,
      peers: 2,
      minutes: 2,
      data: JSON.stringify({
        v: [0, 2, 0, 0],
        k: { high_loss: 1, high_jitter: 1, low_audio_mos: 2, relay_tcp: 1 },
        h: { am: {}, vm: {}, l: {}, r: {}, j: {} },
      }),
    });
    await db
      .insertInto('rollup_buckets')
      .values([bucket('all', ''), bucket('browser', 'Chrome'), bucket('network', 'relay-tcp')])
      .execute();

    await migrateToLatest(db, 'sqlite');

    const rows = await db.selectFrom('peer_rollups').selectAll().orderBy('peer_id').execute();
    assert.deepEqual(issuesOfMask(Number(rows[0].issue_mask)), [
      'packet_loss',
      'jitter',
      'relay_over_tcp',
    ]);
    assert.equal(rows[0].verdict, 'bad', 'the stored listing verdict');
    assert.equal(Number(rows[0].severity), 3080, 'severity ranks it bad, MOS part kept');
    assert.deepEqual(issuesOfMask(Number(rows[1].issue_mask)), [], 'MOS-only kind dropped');
    assert.equal(rows[1].verdict, 'fair', 'no stored diagnosis: verdict kept');
    for (const b of await db.selectFrom('rollup_buckets').selectAll().execute()) {
      const data = JSON.parse(b.data);
      assert.deepEqual(data.v, [0, 1, 0, 1], `${b.dim}: one fair moved to bad`);
      assert.deepEqual(data.k, { packet_loss: 1, jitter: 1, relay_over_tcp: 1 }, `${b.dim} kinds`);
    }
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

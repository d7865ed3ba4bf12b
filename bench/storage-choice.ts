/**
 * Why the embedded store is SQLite (better-sqlite3) and not PGlite (PostgreSQL
 * compiled to WASM): the same ingest-shaped workload — per batch, one
 * transaction inserting 4 quality chunks (~5 KB of JSON each) and upserting 4
 * stream-state rows — and the same report-shaped read (1,440 chunks of one
 * peer), on both engines, in memory and on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { PGlite } from '@electric-sql/pglite';
import { round } from './support.ts';

const BATCHES = 1440 / 4;
const chunkText = JSON.stringify(
  Array.from({ length: 5 }, (_, i) => ({
    bytes_sent: 8300 + i,
    jitter: 11.8,
    mos_quality: 3.98,
    packets_lost: 2,
    packets_sent: 100,
    timestamp: new Date().toISOString(),
    mos_detail: { method: 'itu-g107.2-fb@1', inputs: { codec: 'opus' } },
  })),
);

async function sqlite(dir: string) {
  const db = new SQLite(path.join(dir, 'choice.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE chunks (id INTEGER PRIMARY KEY, peer_id TEXT, stream TEXT, first_ts INTEGER, rows_json TEXT); CREATE INDEX c_peer ON chunks(peer_id, stream, first_ts); CREATE TABLE state (peer_id TEXT, stream TEXT, last_ts INTEGER, sample TEXT, PRIMARY KEY(peer_id, stream));',
  );
  const ins = db.prepare(
    'INSERT INTO chunks (peer_id, stream, first_ts, rows_json) VALUES (?, ?, ?, ?)',
  );
  const up = db.prepare(
    'INSERT INTO state VALUES (?, ?, ?, ?) ON CONFLICT (peer_id, stream) DO UPDATE SET last_ts = excluded.last_ts, sample = excluded.sample',
  );
  const tx = db.transaction((b: number) => {
    for (let s = 0; s < 4; s++) {
      ins.run('peer', `s${s}`, b, chunkText);
      up.run('peer', `s${s}`, b, chunkText.slice(0, 400));
    }
  });
  let t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) tx(b);
  const write = (performance.now() - t0) / BATCHES;
  const sel = db.prepare(
    'SELECT rows_json FROM chunks WHERE peer_id = ? ORDER BY stream, first_ts',
  );
  sel.all('peer');
  t0 = performance.now();
  for (let i = 0; i < 20; i++) sel.all('peer');
  const read = (performance.now() - t0) / 20;
  db.close();
  return { write_ms_per_batch_tx: round(write, 3), read_1440_chunks_ms: round(read, 2) };
}

async function pglite(dir?: string) {
  const db = new PGlite(dir);
  await db.exec(
    'CREATE TABLE chunks (id serial PRIMARY KEY, peer_id TEXT, stream TEXT, first_ts BIGINT, rows_json TEXT); CREATE INDEX c_peer ON chunks(peer_id, stream, first_ts); CREATE TABLE state (peer_id TEXT, stream TEXT, last_ts BIGINT, sample TEXT, PRIMARY KEY(peer_id, stream));',
  );
  let t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    await db.transaction(async (tx) => {
      for (let s = 0; s < 4; s++) {
        await tx.query(
          'INSERT INTO chunks (peer_id, stream, first_ts, rows_json) VALUES ($1, $2, $3, $4)',
          ['peer', `s${s}`, b, chunkText],
        );
        await tx.query(
          'INSERT INTO state VALUES ($1, $2, $3, $4) ON CONFLICT (peer_id, stream) DO UPDATE SET last_ts = excluded.last_ts, sample = excluded.sample',
          ['peer', `s${s}`, b, chunkText.slice(0, 400)],
        );
      }
    });
  }
  const write = (performance.now() - t0) / BATCHES;
  await db.query('SELECT rows_json FROM chunks WHERE peer_id = $1 ORDER BY stream, first_ts', [
    'peer',
  ]);
  t0 = performance.now();
  for (let i = 0; i < 20; i++)
    await db.query('SELECT rows_json FROM chunks WHERE peer_id = $1 ORDER BY stream, first_ts', [
      'peer',
    ]);
  const read = (performance.now() - t0) / 20;
  await db.close();
  return { write_ms_per_batch_tx: round(write, 3), read_1440_chunks_ms: round(read, 2) };
}

/** Runs both engines on disk. */
export async function benchStorageChoice(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-choice-'));
  try {
    return {
      better_sqlite3_on_disk_wal_full: await sqlite(dir),
      pglite_on_disk: await pglite(path.join(dir, 'pglite')),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Developer aid for issue 15: CPU per finished peer of `storePeerRollup` (the compaction's rollup write), in this
 * process and, on PostgreSQL, in its backend, into an app whose buckets of the day hold 12,000 peers (as at
 * 1,000,000 peers over 90 days). `node --import tsx bench/quick-rollup-store-cpu.ts`; `PG=postgres://…` for
 * PostgreSQL (a fresh schema, dropped at the end).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { makeRollup } from './fleet-quality.ts';
import { backendPids, processCpuMs } from './process-cpu.ts';
import { openDatabase } from '../src/store/open-database.ts';
import { storePeerRollup } from '../src/store/quality-rollups.ts';
import { RollupBulkLoader } from '../src/store/rollup-bulk-load.ts';
import { seededRandom } from '../src/simulate/seeded-random.ts';
import { dropPostgresSchema, freshPostgresUrl } from '../test/support/postgres.ts';

const base = process.env.PG;
const pg = base ? await freshPostgresUrl(base) : undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollup-store-cpu-'));
const store = await openDatabase({ dataDir: dir, databaseUrl: pg?.url });
const rnd = seededRandom(7);
const now = Date.now();
const loader = new RollupBulkLoader(store.dialect, now);
for (let w = 0; w < 6; w++) {
  const part = Array.from({ length: 2000 }, () => makeRollup(rnd, 'acc', 'app', now, 89));
  await store.db.transaction().execute(async (tx) => {
    await loader.add(tx, part);
    await loader.flush(tx);
  });
}
if (pg) await sql`analyze`.execute(store.db);
await sql`select 1`.execute(store.db);
const own = base ? await backendPids(base, process.pid) : [];
const dbMs = () => own.reduce((t, p) => t + processCpuMs(p), 0);
const peers = Array.from({ length: 300 }, () => makeRollup(rnd, 'acc', 'app', now, 89));
const write = (p: (typeof peers)[number]) =>
  store.db.transaction().execute((tx) => storePeerRollup(tx, store.dialect, p, 1, now));
for (const p of peers.slice(0, 20)) await write(p); // warm-up
const c0 = process.cpuUsage();
const d0 = dbMs();
for (const p of peers.slice(20)) await write(p);
const c = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    store: store.dialect,
    client_ms_per_peer: (c.user + c.system) / 1000 / 280,
    ...(pg ? { database_ms_per_peer: (dbMs() - d0) / 280 } : {}),
    load_average: os.loadavg(),
  }),
);
await store.close();
if (pg && base) await dropPostgresSchema(base, pg.schema);
fs.rmSync(dir, { recursive: true, force: true });

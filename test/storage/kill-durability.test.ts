/**
 * Durability under `kill -9` (issue 11): a real `peer-report serve` process
 * takes concurrent batch uploads of several peers and is killed with SIGKILL
 * several times, each time restarted on the same store (PostgreSQL when
 * TEST_DATABASE_URL is set, else the embedded data directory). Clients retry
 * what got no answer, as the collector does, under the same batch ids. Every
 * batch acknowledged before a kill is in the store after it, and at the end
 * every peer's report holds every sample sent, once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnServerProcess, type ServerProcess } from '../support/server-process.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import { call, newParticipant } from '../support/api-client.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';
import { syntheticBatches, samplesPerStream } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

const PEERS = 6;
const MINUTES = 2;
const KILLS = 3;

let dataDir: string;
let pg: { url: string; schema: string } | undefined;
let db: OpenDatabase;
let env: NodeJS.ProcessEnv;
let port: number;
let server: ServerProcess | undefined;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

const start = async () =>
  (server = await spawnServerProcess({ dataDir, env, args: ['--port', String(port)] }));

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-kill-'));
  pg = process.env.TEST_DATABASE_URL
    ? await freshPostgresUrl(process.env.TEST_DATABASE_URL)
    : undefined;
  // Peers must not time out while the server is down.
  env = { PEER_REPORT_PEER_TIMEOUT_MS: '600000', ...(pg ? { DATABASE_URL: pg.url } : {}) };
  port = await freePort();
  await start();
  db = await openDatabase({ dataDir, databaseUrl: pg?.url });
});
after(async () => {
  await server?.stop();
  await db?.close();
  if (pg) await dropPostgresSchema(process.env.TEST_DATABASE_URL!, pg.schema);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`${KILLS} kill -9 under ingest load: every acknowledged batch is stored, every sample is in the report`, async () => {
  const url = `http://127.0.0.1:${port}`;
  const accountId = `acct${randomBytes(6).toString('hex')}`;
  const { token } = await createApiToken(db.db, accountId, 'Realtime Admin');
  const app = await createApp(db.db, accountId, 'kill -9');
  const startMs = Date.now() - (MINUTES + 1) * 60_000;

  const peers: { token: string; peerId: string; batches: TelemetryBatch[]; acked: string[] }[] = [];
  for (let i = 0; i < PEERS; i++) {
    const p = await newParticipant(url, token, accountId, app.id);
    const j = await call(url, 'POST', '/ingest/v1/join', p.token, { joined_at: startMs });
    assert.equal(j.status, 201, j.text);
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES['lossy-wifi'],
        startMs,
        minutes: MINUTES,
        batchSeconds: 4,
        seed: i + 1,
        batchIdPrefix: `kill-${i}-`,
      }),
    ];
    peers.push({ token: p.token, peerId: j.json.data.peer_id as string, batches, acked: [] });
  }

  let uploading = true;
  let retries = 0;
  const upload = async (peer: (typeof peers)[number]) => {
    for (const batch of peer.batches) {
      for (;;) {
        // No answer (the process died) or a 5xx: the same batch again, as the collector does.
        const r = await call(
          url,
          'POST',
          `/ingest/v1/peers/${peer.peerId}/batches`,
          peer.token,
          batch,
        ).catch(() => undefined);
        if (r && r.status === 200) {
          peer.acked.push(batch.batch_id);
          break;
        }
        if (r && r.status < 500) assert.fail(`batch ${batch.batch_id}: ${r.status} ${r.text}`);
        retries++;
        await sleep(50);
      }
    }
  };
  const uploads = Promise.all(peers.map(upload)).finally(() => (uploading = false));

  // Each kill comes once a share of the batches is acknowledged (not after a fixed time): on a fast machine the
  // uploads would otherwise end before the kills, on a slow one every kill would hit the first batches.
  const total = peers.reduce((n, p) => n + p.batches.length, 0);
  const acked = () => peers.reduce((n, p) => n + p.acked.length, 0);
  let kills = 0;
  while (kills < KILLS && uploading) {
    const threshold = Math.floor(((kills + 1) * total) / (KILLS + 1));
    while (uploading && acked() < threshold) await sleep(5);
    await sleep(Math.random() * 30);
    if (!uploading) break;
    const ackedBeforeKill = peers.map((p) => [...p.acked]);
    const exited = new Promise((r) => server!.child.once('exit', r));
    server!.child.kill('SIGKILL');
    await exited;
    kills++;
    // Everything acknowledged before the kill is in the store, read directly while no server runs.
    for (const [i, p] of peers.entries()) {
      const stored = new Set(
        (
          await db.db
            .selectFrom('peer_batches')
            .select('batch_id')
            .where('peer_id', '=', p.peerId)
            .execute()
        ).map((r) => r.batch_id),
      );
      const lost = ackedBeforeKill[i].filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `kill ${kills}: acknowledged batches of peer ${i} lost`);
    }
    await start();
  }
  await uploads;
  assert.equal(kills, KILLS, `only ${kills} kills happened before the uploads finished`);
  assert.ok(retries > 0, 'no upload was cut by a kill');

  for (const [i, p] of peers.entries()) {
    assert.equal(p.acked.length, p.batches.length);
    const r = await call(
      url,
      'GET',
      `/client/v4/accounts/${accountId}/realtime/kit/${app.id}/sessions/peer-report/${p.peerId}`,
      token,
    );
    assert.equal(r.status, 200);
    const quality = r.json.data.participant.peer_report.quality;
    for (const series of ['audio_producer', 'audio_consumer', 'video_producer', 'video_consumer']) {
      if (quality[series] === undefined) continue;
      assert.equal(
        quality[series].length,
        samplesPerStream(MINUTES),
        `peer ${i} ${series}: every sample, once`,
      );
    }
    assert.ok(quality.audio_producer?.length > 0, `peer ${i} has no audio producer series`);
  }
});

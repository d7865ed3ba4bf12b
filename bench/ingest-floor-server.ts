/**
 * The same-run baseline of the ingest benchmarks (issue 16): a minimal server
 * that stores each batch as it came, one row per batch, with group commit
 * (better-sqlite3, WAL, synchronous=FULL: as durable as peer-report's
 * acknowledgement), behind the same routes the load generator uses (meeting,
 * participant, join: stubs; batches: a bearer-token check, then the row).
 * No validation, no derivation: the floor of "HTTP + a durable write" on this
 * machine. Run as a child process by bench/ingest-targets.ts; prints
 * `listening <port>` when ready. `node --import tsx bench/ingest-floor-server.ts <dataDir>`
 */
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';

const db = new Database(path.join(process.argv[2] ?? '/tmp', 'floor.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, peer_id TEXT NOT NULL, received_at INTEGER NOT NULL, body TEXT NOT NULL)',
);
const insert = db.prepare('INSERT INTO batches (peer_id, received_at, body) VALUES (?, ?, ?)');
const group = db.transaction((rows: { peer: string; body: string; done: () => void }[]) => {
  for (const r of rows) insert.run(r.peer, Date.now(), r.body);
});

let queue: { peer: string; body: string; done: () => void }[] = [];
let scheduled = false;
function flush(): void {
  scheduled = false;
  const rows = queue;
  queue = [];
  group.immediate(rows);
  for (const r of rows) r.done();
}

const peerOfToken = new Map<string, string>();
let next = 1;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '';
    const token = (req.headers.authorization ?? '').slice('Bearer '.length);
    if (url.endsWith('/meetings')) return json(res, 201, { data: { id: `m${next++}` } });
    if (url.endsWith('/participants')) {
      const t = `t${next++}`;
      peerOfToken.set(t, '');
      return json(res, 201, { data: { token: t } });
    }
    if (url === '/ingest/v1/join') {
      const peer = `p${next++}`;
      peerOfToken.set(token, peer);
      return json(res, 201, { data: { peer_id: peer } });
    }
    const m = /^\/ingest\/v1\/peers\/([^/]+)\/batches$/.exec(url);
    if (!m || peerOfToken.get(token) !== m[1]) return json(res, 404, { success: false });
    queue.push({
      peer: m[1],
      body: Buffer.concat(chunks).toString('utf8'),
      done: () => json(res, 200, { success: true }),
    });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});

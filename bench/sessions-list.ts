/**
 * Issue 3 target: the first page of an app's sessions, for an app with
 * 100,000 sessions and 1,000,000 peers, in p50 ≤ 20 ms on the embedded store.
 * The data is seeded straight into the SQLite file (big transactions), then
 * the listing is timed over HTTP against a `peer-report serve` process.
 */
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { startBenchServer, pct, round } from './support.ts';

const SESSIONS = 100_000;
const PEERS_PER_SESSION = 10;

function seed(dataDir: string, accountId: string, appId: string): number {
  const db = new SQLite(path.join(dataDir, 'peer-report.sqlite'));
  db.pragma('busy_timeout = 10000');
  const started = performance.now();
  const now = Date.now();
  const insMeeting = db.prepare('INSERT INTO meetings (id, account_id, app_id, title, status, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insParticipant = db.prepare(
    'INSERT INTO participants (id, account_id, app_id, meeting_id, custom_participant_id, name, picture, preset_name, token_hash, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL)',
  );
  const insSession = db.prepare(
    'INSERT INTO sessions (id, account_id, app_id, meeting_id, status, started_at, ended_at, live_participants, max_concurrent_participants, minutes_consumed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insPeer = db.prepare(
    "INSERT INTO peers (id, account_id, app_id, meeting_id, session_id, participant_id, status, joined_at, left_at, last_seen_at, leave_reason, client, ip_info, precall, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'left', ?, ?, ?, 'left', '{}', NULL, NULL, 'live', ?, ?)",
  );
  const meetings = Array.from({ length: 1000 }, (_, i) => randomUUID());
  const participants = meetings.map((m) => Array.from({ length: PEERS_PER_SESSION }, () => randomUUID()));
  db.transaction(() => {
    meetings.forEach((m, i) => {
      insMeeting.run(m, accountId, appId, `Meeting ${i}`, 'ACTIVE', '{}', now - 400 * 86400_000, now);
      participants[i].forEach((p, j) => insParticipant.run(p, accountId, appId, m, `user-${i}-${j}`, `User ${j}`, 'host', randomUUID(), now, now));
    });
  })();
  const batch = 5000;
  for (let start = 0; start < SESSIONS; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(SESSIONS, start + batch); i++) {
        const mi = i % meetings.length;
        const s = randomUUID();
        const t0 = now - (SESSIONS - i) * 300_000;
        const minutes = 5 + (i % 55);
        insSession.run(s, accountId, appId, meetings[mi], 'ENDED', t0, t0 + minutes * 60_000, 0, PEERS_PER_SESSION, minutes * PEERS_PER_SESSION, t0, t0 + minutes * 60_000);
        for (let j = 0; j < PEERS_PER_SESSION; j++) {
          insPeer.run(randomUUID(), accountId, appId, meetings[mi], s, participants[mi][j], t0, t0 + minutes * 60_000, t0 + minutes * 60_000, t0, t0);
        }
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - started) / 1000;
}

function get(url: string, token: string, agent: http.Agent): Promise<{ status: number; ms: number; text: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, text: Buffer.concat(chunks).toString() }));
      })
      .on('error', reject);
  });
}

async function timeUrl(url: string, token: string, n: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 10; i++) await get(url, token, agent);
  const times: number[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    const r = await get(url, token, agent);
    if (r.status !== 200) throw new Error(`listing failed: ${r.status} ${r.text.slice(0, 200)}`);
    times.push(r.ms);
    text = r.text;
  }
  agent.destroy();
  return { p50Ms: round(pct(times, 50)), p99Ms: round(pct(times, 99)), total: JSON.parse(text).paging.total_count as number };
}

/** Seeds 100k sessions / 1M peers and times the first page of the listing. */
export async function benchSessionsList(): Promise<Record<string, unknown>> {
  const s = await startBenchServer();
  try {
    const seedSeconds = seed(s.dataDir, s.accountId, s.appId);
    const base = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}/sessions`;
    return {
      sessions: SESSIONS,
      peers: SESSIONS * PEERS_PER_SESSION,
      seed_seconds: round(seedSeconds, 1),
      first_page_default: await timeUrl(`${base}`, s.token, 300),
      first_page_per_page_100: await timeUrl(`${base}?per_page=100`, s.token, 200),
      first_page_sorted_by_minutes: await timeUrl(`${base}?sort_by=minutesConsumed&sort_order=DESC`, s.token, 200),
      first_page_status_ended_last_week: await timeUrl(`${base}?status=ENDED&start_time=${new Date(Date.now() - 7 * 86400_000).toISOString()}`, s.token, 200),
      search_by_meeting_title: await timeUrl(`${base}?search=Meeting%20999`, s.token, 100),
    };
  } finally {
    await s.stop();
  }
}

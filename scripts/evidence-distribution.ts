/**
 * Measures the distributions of the packed per-interval diagnosis evidence
 * (NACKs, retransmissions, freezes, concealment, available and target
 * bitrate, loss, repaired packets) over the real dumps of
 * ../shared/fixtures/realdata/ and the simulated profiles, per series: the
 * numbers the diagnosis thresholds are calibrated against (docs/diagnosis.md).
 *
 *   node --import tsx scripts/evidence-distribution.ts [--json]
 */
import { importDump } from '../src/import/import-dump.ts';
import { readQualityChunks } from '../src/store/quality-chunks-read.ts';
import { unpackMetricRows } from '../src/analytics/metric-packing.ts';
import type { MetricRow } from '../src/analytics/metric-row.ts';
import { runSimulation } from '../src/simulate/simulate-run.ts';
import { PROFILE_NAMES } from '../src/simulate/call-profiles.ts';
import { startTestServer } from '../test/support/server.ts';
import { realdataPath } from '../test/support/realdata.ts';
import { databaseOf } from '../src/store/store-internals.ts';

const DUMPS = [
  'jitsi-rtcstats-server/dumps/google-standard-stats-sfu',
  'jitsi-rtcstats-server/dumps/chrome-relay',
  'jitsi-rtcstats-server/dumps/firefox-relay',
  'jitsi-rtcstats-server/dumps/google-standard-stats-p2p',
  'jitsi-rtcstats-server/dumps/chrome-standard-multiple-p2p',
  'jitsi-rtcstats-server/dumps/59c86272-03ea-42e9-a62d-1c8a272e8ab0',
  'jitsi-rtcstats-server/dumps/google-legacy-stats-p2p',
  'jitsi-rtcstats-server/dumps/google-legacy-screenshare-p2p',
  'jitsi-rtcstats-server/dumps/firefox-standard-stats-sfu',
  'fippo-rtcstats-server/dumps/jest-sfu',
];
const FIELDS = [
  'loss',
  'pl',
  'rp',
  'nk',
  'rx',
  'fb',
  'fz',
  'fc',
  'fd',
  'cs',
  'ab',
  'tb',
  'br',
  'fps',
  'ql',
] as const;

function quantiles(v: number[]): string {
  if (!v.length) return '';
  const s = [...v].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const nz = v.filter((x) => x > 0).length;
  return `n=${v.length} nz=${nz} p50=${q(0.5)} p90=${q(0.9)} p99=${q(0.99)} max=${s[s.length - 1]}`;
}

const t = await startTestServer({ reportCacheMb: 0, compactAfterMs: 3_600_000 });
const peers: { name: string; id: string }[] = [];
for (const d of DUMPS) {
  const r = await importDump(t.server.context, realdataPath(d), {
    accountId: t.accountId,
    appId: t.appId,
    title: d,
  });
  for (const p of r.peers) peers.push({ name: d.split('/').pop()!, id: p.peer_id });
}
for (const profile of PROFILE_NAMES) {
  const sim = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile,
    minutes: 5,
    peers: 2,
    seed: 7,
  });
  peers.push({ name: `simulate:${profile}`, id: sim[0].peerId });
}
for (const p of peers) {
  const chunks = await readQualityChunks(
    databaseOf(t.server.context.store).db,
    t.server.context.store.name,
    p.id,
    {
      withoutRows: true,
    },
  );
  const bySeries = new Map<string, MetricRow[]>();
  for (const c of chunks) {
    const rows = bySeries.get(c.series) ?? [];
    unpackMetricRows(c.metrics, rows);
    bySeries.set(c.series, rows);
  }
  console.log(`\n## ${p.name}`);
  for (const [series, rows] of bySeries) {
    console.log(`  ${series} (${rows.length} rows)`);
    for (const f of FIELDS) {
      const vals = rows.map((r) => r[f]).filter((x) => x !== undefined);
      if (!vals.length) continue;
      if (f === 'ql') {
        const c: Record<string, number> = {};
        for (const x of vals) c[x as string] = (c[x as string] ?? 0) + 1;
        console.log(`    ${f}: ${JSON.stringify(c)}`);
      } else console.log(`    ${f}: ${quantiles(vals as number[])}`);
    }
  }
}
await t.close();

/**
 * `npm run bench [name…]`: runs the benchmarks and prints their figures as
 * JSON (also written to bench/results/<name>.json). Names: ingest-report,
 * sessions-list, import, collector, postgres, storage-choice, startup, join-flood, webhook-delivery, diagnosis,
 * fleet-quality, metrics-overhead, ingest-targets. Default: all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const BENCHES: Record<string, () => Promise<unknown>> = {
  'ingest-report': async () => (await import('./ingest-report.ts')).benchIngestReport(),
  'sessions-list': async () => (await import('./sessions-list.ts')).benchSessionsList(),
  import: async () => (await import('./import.ts')).benchImport(),
  collector: async () => (await import('./collector.ts')).benchCollector(),
  postgres: async () => (await import('./postgres.ts')).benchPostgres(),
  'storage-choice': async () => (await import('./storage-choice.ts')).benchStorageChoice(),
  startup: async () => (await import('./startup.ts')).benchStartup(),
  'join-flood': async () => (await import('./join-flood.ts')).benchJoinFlood(),
  'webhook-delivery': async () => (await import('./webhook-delivery.ts')).benchWebhookDelivery(),
  diagnosis: async () => (await import('./diagnosis.ts')).benchDiagnosis(),
  'fleet-quality': async () => (await import('./fleet-quality.ts')).benchFleetQuality(),
  'metrics-overhead': async () =>
    (await import('./quick-metrics-overhead.ts')).benchMetricsOverhead(),
  'ingest-targets': async () => (await import('./ingest-targets.ts')).benchIngestTargets(),
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
const machine = {
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
};
console.log(JSON.stringify({ machine }, null, 2));
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
let failed = false;
for (const name of wanted) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown bench '${name}'; expected one of ${Object.keys(BENCHES).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  try {
    const result = await bench();
    const out = { machine, [name]: result };
    fs.writeFileSync(path.join(here, 'results', `${name}.json`), JSON.stringify(out, null, 2));
    console.log(JSON.stringify({ [name]: result }, null, 2));
  } catch (err) {
    failed = true;
    console.error(`bench ${name} failed:`, err);
  }
}
if (failed) process.exitCode = 1;

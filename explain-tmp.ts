import { openDatabase } from './src/store/open-database.ts';
import { packedFigureColumns } from './src/store/packed-figure-columns.ts';
import { sql } from 'kysely';
const url = 'postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Dquick1m';
const s = await openDatabase({ databaseUrl: url });
const DAY = 86400000; const to = Math.floor(Date.now()/DAY)*DAY + DAY;
const cases: [string, number, Record<string,string[]>][] = [
  ['Chrome&Windows 7d', 7, {browser:['Chrome'], os:['Windows']}],
  ['Chrome&relay 7d', 7, {browser:['Chrome'], network:['relay-udp']}],
  ['country0&relay 7d', 7, {country:[process.argv[2]], network:['relay-udp']}],
  ['Samsung&Linux 7d', 7, {browser:['Samsung Internet'], os:['Linux']}],
  ['AS1000&Firefox 7d', 7, {asn:['AS1000'], browser:['Firefox']}],
  ['AS1000&Firefox 90d', 90, {asn:['AS1000'], browser:['Firefox']}],
  ['Chrome&Windows 90d', 90, {browser:['Chrome'], os:['Windows']}],
];
for (const [name, days, f] of cases) for (const mode of ['concat','plain']) {
  let q: any = s.db.selectFrom('peer_rollups').where('app_id','=','app-three').where('finished_at','>=',to - days*DAY).where('finished_at','<',to);
  for (const [d, v] of Object.entries(f)) q = mode === 'plain' ? q.where(d, 'in', v) : q.where(sql`${sql.ref(d)} || ''`, 'in', v);
  q = q.select(['asn','day']).select(packedFigureColumns()).compile();
  const times: number[] = []; let plan = ''; let rows = '';
  for (let i=0;i<6;i++){ const r = await s.pool!.query({text: 'explain (analyze) ' + q.sql, values: q.parameters as unknown[]}); const lines = r.rows.map((x: any)=>x['QUERY PLAN']); plan = lines[0].slice(0,70); rows = /rows=(\d+) loops/.exec(lines[0])?.[1] ?? ''; times.push(Number(/Execution Time: ([\d.]+)/.exec(lines.join('\n'))![1])); }
  times.sort((a,b)=>a-b);
  console.log(name.padEnd(20), mode.padEnd(7), 'rows', rows.padStart(7), 'exec p50', times[3].toFixed(1).padStart(6), plan);
}
await s.close();

/**
 * CPU time of processes (Linux `/proc`), for benchmarks on a shared machine:
 * wall times there include waiting for a core, CPU time per request much
 * less so. Also finds the PostgreSQL backends serving a given process's
 * connections (by their client ports), so a query's database CPU is counted
 * with the server's.
 */
import fs from 'node:fs';
import pg from 'pg';

const TICK_MS = 1000 / 100; // USER_HZ: 100 on Linux

/** User + system CPU ms of process `pid` so far (0 when it is gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** The local TCP ports of `pid`'s sockets connected to remote port `remotePort`. */
function connectedPorts(pid: number, remotePort: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports: number[] = [];
  for (const file of ['tcp', 'tcp6']) {
    const lines = fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1].split(':')[1], 16);
      const remote = parseInt(cols[2].split(':')[1], 16);
      if (remote === remotePort && inodes.has(cols[9])) ports.push(local);
    }
  }
  return ports;
}

/** The pids of the PostgreSQL backends serving `pid`'s connections to `databaseUrl`. */
export async function backendPids(databaseUrl: string, pid: number): Promise<number[]> {
  const url = new URL(databaseUrl);
  const ports = connectedPorts(pid, Number(url.port || 5432));
  if (ports.length === 0) return [];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where client_port = any($1::int[])',
      [ports],
    );
    return rows.map((r) => Number(r.pid));
  } finally {
    await client.end();
  }
}

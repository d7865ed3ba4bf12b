/**
 * Client address handling: which address a request comes from (trusting
 * X-Forwarded-For only from configured proxies) and how it is stored
 * (truncated to /24 or /48 unless the operator opts in to full addresses).
 */
import { expandIpv6, ipv4ToNumber } from './asn-table.ts';

/** Strips an IPv4-mapped IPv6 prefix (`::ffff:1.2.3.4` → `1.2.3.4`). */
export function unmapIpv4(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1] : ip;
}

/**
 * The client address: the socket peer, or — when the socket peer is a trusted
 * proxy — the right-most X-Forwarded-For entry that is not itself trusted.
 */
export function clientAddress(
  socketIp: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: readonly string[],
): string | undefined {
  let ip = socketIp ? unmapIpv4(socketIp) : undefined;
  if (!ip || !forwardedFor || !trustedProxies.includes(ip)) return ip;
  const hops = forwardedFor
    .split(',')
    .map((s) => unmapIpv4(s.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    ip = hops[i];
    if (!trustedProxies.includes(ip)) return ip;
  }
  return ip;
}

/** IPv4 → /24 (`1.2.3.0`), IPv6 → /48 (`2001:db8:1::`). Unparseable input → undefined. */
export function truncateIp(ip: string): string | undefined {
  if (ipv4ToNumber(ip) !== undefined) return ip.replace(/\.\d+$/, '.0');
  const groups = expandIpv6(ip);
  if (!groups) return undefined;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toString(16))
    .join(':')}::`;
}

/** Whether the address is private, loopback or link-local (no geo data exists for it). */
export function isPrivateIp(ip: string): boolean {
  const n = ipv4ToNumber(ip);
  if (n !== undefined) {
    const a = n >>> 24;
    const b = (n >>> 16) & 0xff;
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b < 128) ||
      a === 0
    );
  }
  const g = expandIpv6(ip);
  if (!g) return false;
  return (
    g.every((x, i) => (i < 7 ? x === 0 : x <= 1)) ||
    (g[0] & 0xfe00) === 0xfc00 ||
    (g[0] & 0xffc0) === 0xfe80
  );
}

/**
 * Where a webhook may send: absolute http(s) URLs whose host resolves to
 * public addresses only. Private, loopback, link-local (cloud metadata at
 * 169.254.169.254), unique-local, carrier-grade NAT, multicast and reserved
 * ranges are refused unless the operator allows them
 * (`PEER_REPORT_WEBHOOK_ALLOW_PRIVATE`). The check runs when a webhook is
 * saved and again on every connection, inside the socket's own DNS lookup,
 * so a name that re-resolves to an internal address later (DNS rebinding)
 * is refused at the address actually connected to.
 */
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { PrivateTargetPolicy } from './webhook-config.ts';

/** How an address is classified for delivery. */
export type AddressClass = 'public' | 'loopback' | 'private';

/** Classifies an IP address (IPv4-mapped IPv6 as its IPv4 address); pure. */
export function classifyAddress(address: string): AddressClass {
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast') return 'public';
  if (range === 'loopback') return 'loopback';
  return 'private';
}

/** Whether `policy` lets deliveries reach `address`; pure. */
export function isAllowedAddress(address: string, policy: PrivateTargetPolicy): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || policy === 'all' || (policy === 'loopback' && kind === 'loopback');
}

/** Why a URL cannot be a webhook target, or undefined when its form is fine (the address is checked apart). */
export function urlFormProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `expected an absolute http(s) URL, got '${raw}'`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `expected an http or https URL, got scheme '${url.protocol.replace(':', '')}'`;
  if (url.username || url.password) return 'credentials in the URL are not accepted';
  if (!url.hostname) return 'the URL has no host';
  return undefined;
}

/** A refused target. */
export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/** The bare host of a URL (IPv6 literals without brackets). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Checks the addresses `url`'s host resolves to now; throws a
 * {@link TargetRefusedError} naming the refused address. A name that does
 * not resolve is accepted (its addresses are checked at each delivery).
 */
export async function checkTargetAddresses(url: URL, policy: PrivateTargetPolicy): Promise<void> {
  const host = hostOf(url);
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    } catch {
      return;
    }
  }
  for (const a of addresses)
    if (!isAllowedAddress(a, policy)) throw new TargetRefusedError(refusal(host, a));
}

function refusal(host: string, address: string): string {
  return `${host} resolves to ${address}, a ${classifyAddress(address)} address; webhooks may only target public addresses (set PEER_REPORT_WEBHOOK_ALLOW_PRIVATE to allow it)`;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves like the system and refuses
 * the connection when any resolved address is not allowed. IP literals never
 * reach a lookup: check them with {@link checkLiteralHost} first.
 */
export function guardedLookup(policy: PrivateTargetPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !isAllowedAddress(a.address, policy));
      if (refused)
        return callback(
          Object.assign(new TargetRefusedError(refusal(hostname, refused.address)), {
            code: 'EREFUSEDTARGET',
          }),
          [],
        );
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Throws when `url`'s host is an IP literal the policy refuses (literals bypass the lookup). */
export function checkLiteralHost(url: URL, policy: PrivateTargetPolicy): void {
  const host = hostOf(url);
  if (net.isIP(host) && !isAllowedAddress(host, policy))
    throw new TargetRefusedError(refusal(host, host));
}

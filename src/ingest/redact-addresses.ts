/**
 * Client addresses in telemetry, truncated before they are stored (pure, no
 * I/O). A batch can name a person's addresses in several places: the local
 * and remote ICE candidates of its candidate pairs (host: the private LAN
 * address; srflx/prflx: the public address), their `related_address`, ids
 * some stacks build from addresses, the SDP of `pc_metadata`, and event
 * metadata (`icecandidateerror` carries the candidate's `address`; imported
 * dumps carry whole `a=candidate:` strings). All of them are cut like
 * `ip_info` (/24 IPv4, /48 IPv6, see src/geo/ip-address.ts). Kept as they
 * are: relay candidates' own addresses (the TURN server's, not the person's),
 * ICE server URLs, and mDNS `.local` names (already anonymous).
 *
 * Both ingest paths (live batches and imports) go through the batch writer,
 * which applies {@link redactBatchAddresses} once per batch unless the
 * operator keeps full addresses (`--keep-full-ip`).
 */
import ipaddr from 'ipaddr.js';
import type {
  CandidateInfo,
  CandidatePairSample,
  PcMetadata,
  TelemetryBatch,
  TelemetryEvent,
} from '../model/telemetry.ts';
import { truncateIp, unmapIpv4 } from '../geo/ip-address.ts';

const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)/g;
// A run of hex groups and colons not inside a longer one (SDP fingerprints are 32 groups: never a match).
const IPV6 =
  /(?<![0-9a-fA-F:])(?:[0-9a-fA-F]{0,4}:){2,8}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]{0,4})(?![0-9a-fA-F:]|\.\d)/g;

/** The truncated form of one address; anything that is not an IP address (mDNS names, garbage) is returned as it is. */
export function redactAddress(address: string): string {
  const bracketed = address.startsWith('[') && address.endsWith(']');
  const bare = bracketed ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return address;
  // An IPv4-mapped IPv6 address is the IPv4 address: cut to /24, not to a /48 of zeros.
  const cut = truncateIp(unmapIpv4(bare));
  if (cut === undefined) return address;
  return bracketed ? `[${cut}]` : cut;
}

/** `text` with every IPv4 and IPv6 literal in it truncated. */
export function redactAddressesInText(text: string): string {
  if (!text.includes('.') && !text.includes(':')) return text;
  // IPv6 first: an IPv4-mapped address (`::ffff:1.2.3.4`) is one address, not an IPv4 one after some colons.
  return text
    .replace(IPV6, (m) => (ipaddr.IPv6.isValid(m) ? redactAddress(m) : m))
    .replace(IPV4, (m) => redactAddress(m));
}

/**
 * One `candidate:` attribute (RFC 8839 §5.1: foundation component transport
 * priority address port `typ` type [raddr a rport p] …): the address is kept
 * for relay candidates (the TURN server's), everything else is truncated.
 */
export function redactCandidateLine(line: string): string {
  const m = /^(\s*(?:a=)?candidate:\S+ \d+ \S+ \d+ )(\S+)( \d+ typ )(\S+)(.*)$/i.exec(line);
  if (!m) return redactAddressesInText(line);
  const [, head, address, mid, type, rest] = m;
  return (
    head +
    (type === 'relay' ? address : redactAddress(address)) +
    mid +
    type +
    redactAddressesInText(rest)
  );
}

function redactCandidate(c: CandidateInfo | undefined): CandidateInfo | undefined {
  if (!c) return c;
  const out: CandidateInfo = { ...c };
  if (out.address !== undefined && out.candidate_type !== 'relay')
    out.address = redactAddress(out.address);
  if (out.related_address !== undefined) out.related_address = redactAddress(out.related_address);
  if (out.id !== undefined) out.id = redactAddressesInText(out.id);
  return out;
}

function redactPair(p: CandidatePairSample): CandidatePairSample {
  return {
    ...p,
    id: redactAddressesInText(p.id),
    local: redactCandidate(p.local),
    remote: redactCandidate(p.remote),
  };
}

function redactSdpLine(line: string): string {
  return /^\s*a=candidate:/i.test(line) ? redactCandidateLine(line) : redactAddressesInText(line);
}

function redactPcMetadata(m: PcMetadata): PcMetadata {
  // ice_servers stay: they are the operator's STUN/TURN servers.
  return m.sdp ? { ...m, sdp: m.sdp.map((text) => text.replace(/[^\r\n]+/g, redactSdpLine)) } : m;
}

/** Metadata keys whose value is a server URL (STUN/TURN), not a person's address. */
const SERVER_URL_KEYS = new Set(['url', 'urls', 'ice_server', 'server_url']);

function redactEvent(e: TelemetryEvent): TelemetryEvent {
  if (!e.metadata) return e;
  const metadata: NonNullable<TelemetryEvent['metadata']> = {};
  for (const [key, value] of Object.entries(e.metadata)) {
    if (typeof value !== 'string' || SERVER_URL_KEYS.has(key)) metadata[key] = value;
    else
      metadata[key] = /candidate:/i.test(value)
        ? value.replace(/[^\r\n]+/g, redactCandidateLine)
        : redactAddressesInText(value);
  }
  return { ...e, metadata };
}

/** The batch with every stored client address truncated (a new object; the input is not changed). */
export function redactBatchAddresses<B extends Omit<TelemetryBatch, 'samples'>>(batch: B): B {
  const out = { ...batch };
  if (batch.candidate_pairs) out.candidate_pairs = batch.candidate_pairs.map(redactPair);
  if (batch.pc_metadata) out.pc_metadata = batch.pc_metadata.map(redactPcMetadata);
  if (batch.events) out.events = batch.events.map(redactEvent);
  return out;
}

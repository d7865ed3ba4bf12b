/**
 * The relay protocol (client to TURN server: `udp`, `tcp` or `tls`) of a relay
 * candidate whose stats omit `relayProtocol` (Safari), read from the TURN URL
 * it was gathered from (`RTCIceCandidateStats.url`). Browser-safe, pure.
 */
import type { CandidateInfo } from '../model/telemetry.ts';

/**
 * `turns:` is TLS (RFC 7065: over TCP), `turn:...?transport=tcp` is TCP,
 * any other `turn:` URL is UDP (the default transport); undefined for
 * anything that is not a TURN URL.
 */
export function relayProtocolFromUrl(url: string): 'udp' | 'tcp' | 'tls' | undefined {
  const m = /^\s*(turns?):[^?]*(?:\?(.*))?$/i.exec(url);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'turns') return 'tls';
  const transport = new URLSearchParams(m[2] ?? '').get('transport')?.toLowerCase();
  return transport === 'tcp' ? 'tcp' : 'udp';
}

/**
 * Fills `relay_protocol` of a relay candidate that lacks it from its `url`,
 * flagging `relay_protocol_inferred: true`; other candidates are left as they
 * are. Mutates and returns `info`. Idempotent.
 */
export function inferRelayProtocol(info: CandidateInfo): CandidateInfo {
  if (
    info.candidate_type !== 'relay' ||
    info.relay_protocol !== undefined ||
    info.url === undefined
  )
    return info;
  const inferred = relayProtocolFromUrl(info.url);
  if (inferred) {
    info.relay_protocol = inferred;
    info.relay_protocol_inferred = true;
  }
  return info;
}

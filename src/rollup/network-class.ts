/**
 * The network class of a peer for the fleet rollups (pure), from its selected
 * candidate pair: `direct` or `relay` (a TURN candidate on our side), the
 * transport (`udp`, `tcp`, `tls`: for a relay, the protocol to the TURN
 * server), and the local connection type where the browser reports it
 * (`wifi`, `ethernet`, `cellular`…), e.g. `relay-tls`, `direct-udp-wifi`.
 * `unknown` without a selected pair.
 */
import type { CandidatePairSample } from '../model/telemetry.ts';

/** The network class of the selected pair `pair` (see the module comment). */
export function networkClass(pair: CandidatePairSample | undefined): string {
  const local = pair?.local;
  if (!local) return 'unknown';
  const relay = local.candidate_type === 'relay';
  const transport = (
    (relay ? local.relay_protocol : undefined) ??
    local.protocol ??
    'udp'
  ).toLowerCase();
  const proto = transport === 'tls' || transport === 'tcp' ? transport : 'udp';
  const type =
    local.network_type && /^[a-z0-9]{1,16}$/i.test(local.network_type)
      ? `-${local.network_type.toLowerCase()}`
      : '';
  return `${relay ? 'relay' : 'direct'}-${proto}${type}`;
}

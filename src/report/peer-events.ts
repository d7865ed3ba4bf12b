/**
 * The RealtimeKit `peer_events` of a peer (PEER_CREATED, PEER_JOINING,
 * PEER_LEAVING), derived from its stored lifecycle times. Event ids are
 * deterministic (name-based UUIDs), so the same event always has the same id.
 */
import { createHash } from 'node:crypto';
import type { PeersTable } from '../store/schema.ts';
import { iso, minutesBetween } from '../util/time.ts';

/** A name-based (SHA-1, version 5 layout) UUID of `name`. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The peer's lifecycle events, oldest first. */
export function peerEventsOf(
  peer: Pick<
    PeersTable,
    | 'id'
    | 'participant_id'
    | 'session_id'
    | 'created_at'
    | 'joined_at'
    | 'left_at'
    | 'updated_at'
    | 'leave_reason'
  >,
): Record<string, unknown>[] {
  const base = {
    participant_id: peer.participant_id,
    peer_id: peer.id,
    preset_view_type: 'GROUP_CALL',
    session_id: peer.session_id,
    socket_session_id: null,
  };
  // The peer row is written when the join reaches the server, but a client may date its join earlier (a
  // rejoin after a cut, a replayed call) and its samples may widen it further back: the peer cannot have
  // been created after it joined.
  const createdAt = Math.min(peer.created_at, peer.joined_at);
  const events: Record<string, unknown>[] = [
    {
      ...base,
      id: nameUuid(`${peer.id}/PEER_CREATED`),
      event_name: 'PEER_CREATED',
      created_at: iso(createdAt),
      updated_at: iso(createdAt),
      minutes_consumed: 0,
    },
    {
      ...base,
      id: nameUuid(`${peer.id}/PEER_JOINING`),
      event_name: 'PEER_JOINING',
      created_at: iso(peer.joined_at),
      updated_at: iso(peer.joined_at),
      minutes_consumed: 0,
    },
  ];
  if (peer.left_at !== null) {
    events.push({
      ...base,
      id: nameUuid(`${peer.id}/PEER_LEAVING`),
      event_name: 'PEER_LEAVING',
      created_at: iso(peer.left_at),
      updated_at: iso(peer.left_at),
      minutes_consumed: minutesBetween(peer.joined_at, peer.left_at),
      ...(peer.leave_reason ? { reason: peer.leave_reason } : {}),
    });
  }
  return events;
}

/**
 * Tells apart the two ends of a call recorded in the same tab (e.g. the
 * classic `pc1`/`pc2` loopback page): a PC whose local ICE ufrag appears in
 * another PC's remote description is that PC's peer, so they belong to
 * different participants. Everything else of the tab stays one participant.
 */

/** What the split needs to know of a PC. */
export interface PcEnds {
  id: string;
  local_ufrags: ReadonlySet<string>;
  remote_ufrags: ReadonlySet<string>;
}

function connected(a: PcEnds, b: PcEnds): boolean {
  for (const u of a.local_ufrags) if (b.remote_ufrags.has(u)) return true;
  for (const u of b.local_ufrags) if (a.remote_ufrags.has(u)) return true;
  return false;
}

/**
 * Splits PCs into one list per call end by two-colouring the "talks to"
 * graph. Without such pairs the result is a single list (all PCs, in order).
 */
export function splitOppositeEnds<T extends PcEnds>(pcs: readonly T[]): T[][] {
  const side = new Map<string, 0 | 1>();
  let anyPair = false;
  for (const start of pcs) {
    if (side.has(start.id)) continue;
    side.set(start.id, 0);
    const queue = [start];
    while (queue.length > 0) {
      const current = queue.shift() as T;
      for (const other of pcs) {
        if (other === current || !connected(current, other)) continue;
        anyPair = true;
        if (!side.has(other.id)) {
          side.set(other.id, side.get(current.id) === 0 ? 1 : 0);
          queue.push(other);
        }
      }
    }
  }
  if (!anyPair) return [[...pcs]];
  return [pcs.filter((pc) => side.get(pc.id) === 0), pcs.filter((pc) => side.get(pc.id) === 1)];
}

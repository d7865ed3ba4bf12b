/** Differences between two `enumerateDevices()` lists, per device kind. Pure. */
import type { DeviceListUpdate, MediaDeviceInfoLite } from '../../src/model/telemetry.ts';

const KINDS = ['audioinput', 'videoinput', 'audiooutput'] as const;

/** The parts of a `MediaDeviceInfo` the report keeps (strings capped at 256 chars). */
export function deviceLite(d: {
  deviceId?: string;
  kind?: string;
  label?: string;
  groupId?: string;
}): MediaDeviceInfoLite {
  const out: MediaDeviceInfoLite = {};
  if (d.deviceId) out.device_id = d.deviceId.slice(0, 256);
  if (d.kind) out.kind = d.kind;
  if (d.label) out.label = d.label.slice(0, 256);
  if (d.groupId) out.group_id = d.groupId.slice(0, 256);
  return out;
}

/**
 * One update per kind whose list changed between `before` and `after`
 (devices are matched by kind + id + label). Anonymous entries (no id: the list a page
 * sees before media permission) are left out. With `before` empty, every present kind is
 * reported as added: that is the initial list.
 */
export function diffDevices(
  before: MediaDeviceInfoLite[],
  after: MediaDeviceInfoLite[],
  ts: number,
): DeviceListUpdate[] {
  const key = (d: MediaDeviceInfoLite) => `${d.kind}|${d.device_id}|${d.label ?? ''}`;
  const updates: DeviceListUpdate[] = [];
  for (const kind of KINDS) {
    const b = before.filter((d) => d.kind === kind && d.device_id);
    const a = after.filter((d) => d.kind === kind && d.device_id);
    const bk = new Set(b.map(key));
    const ak = new Set(a.map(key));
    const added = a.filter((d) => !bk.has(key(d)));
    const removed = b.filter((d) => !ak.has(key(d)));
    if (added.length || removed.length)
      updates.push({ ts, kind, added: added.slice(0, 64), removed: removed.slice(0, 64) });
  }
  return updates;
}

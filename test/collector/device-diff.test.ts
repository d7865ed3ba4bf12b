import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceLite, diffDevices } from '../../collector/src/device-diff.ts';

const mic = (id: string, label = `Mic ${id}`) =>
  deviceLite({ deviceId: id, kind: 'audioinput', label, groupId: 'g' });
const cam = (id: string) => deviceLite({ deviceId: id, kind: 'videoinput', label: `Cam ${id}` });

test('the first list is reported as added, per kind', () => {
  const updates = diffDevices([], [mic('a'), mic('b'), cam('c')], 1_700_000_000_000);
  assert.deepEqual(
    updates.map((u) => [u.kind, u.added.map((d) => d.device_id), u.removed.length]),
    [
      ['audioinput', ['a', 'b'], 0],
      ['videoinput', ['c'], 0],
    ],
  );
  assert.equal(updates[0].ts, 1_700_000_000_000);
});

test('a plugged and an unplugged device show up as added and removed; unchanged kinds are silent', () => {
  const updates = diffDevices([mic('a'), cam('c')], [mic('a'), mic('b')], 1);
  assert.deepEqual(updates, [
    { ts: 1, kind: 'audioinput', added: [mic('b')], removed: [] },
    { ts: 1, kind: 'videoinput', added: [], removed: [cam('c')] },
  ]);
  assert.deepEqual(diffDevices([mic('a')], [mic('a')], 1), []);
});

test('anonymous entries (before media permission) are ignored, and long labels are capped', () => {
  const anonymous = deviceLite({ deviceId: '', kind: 'audioinput', label: '' });
  assert.deepEqual(diffDevices([], [anonymous], 1), []);
  assert.deepEqual(diffDevices([anonymous], [mic('a')], 1)[0].removed, []);
  assert.equal(
    deviceLite({ deviceId: 'x', kind: 'audioinput', label: 'l'.repeat(1000) }).label?.length,
    256,
  );
});

/** rtcstats API traces of track state become the collector's event names, so live and imported peers read alike. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpretTrace } from '../../src/import/api-trace.ts';

test('MediaStreamTrack onmute / onunmute / onended traces are track_muted / track_unmuted / track_ended events', () => {
  const names = [
    'MediaStreamTrack.onmute',
    'MediaStreamTrack.onunmute',
    'MediaStreamTrack.onended',
  ].map((m) => interpretTrace(m, 'track-1'));
  assert.deepEqual(names, [
    [{ kind: 'event', name: 'track_muted', metadata: { track: 'track-1' } }],
    [{ kind: 'event', name: 'track_unmuted', metadata: { track: 'track-1' } }],
    [{ kind: 'event', name: 'track_ended', metadata: { track: 'track-1' } }],
  ]);
});

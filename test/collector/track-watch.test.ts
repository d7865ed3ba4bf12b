/**
 * TrackWatch: the collector's track events (ended, muted/unmuted, enabled/disabled) and the
 * `track_ended` mark on samples. The connection is a stand-in with the browser's shape
 * (`getTransceivers()`, tracks with `enabled`/`muted`/`readyState`), mutated between polls as a
 * page would; the real-browser check is in collector-in-page.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrackWatch } from '../../collector/src/track-watch.ts';

interface FakeTrack {
  id: string;
  kind: string;
  enabled: boolean;
  muted: boolean;
  readyState: 'live' | 'ended';
}

function track(id: string, kind: string, over: Partial<FakeTrack> = {}): FakeTrack {
  return { id, kind, enabled: true, muted: false, readyState: 'live', ...over };
}

function connection(
  transceivers: { mid: string | null; send: FakeTrack | null; recv: FakeTrack | null }[],
): RTCPeerConnection {
  return {
    getTransceivers: () =>
      transceivers.map((t) => ({
        mid: t.mid,
        sender: { track: t.send },
        receiver: { track: t.recv },
      })),
  } as unknown as RTCPeerConnection;
}

function watch() {
  const events: { name: string; metadata: Record<string, unknown> }[] = [];
  return { events, w: new TrackWatch((name, metadata) => events.push({ name, metadata })) };
}

test('a live call is silent; a remote track that starts muted (no media yet) is not an event', () => {
  const { events, w } = watch();
  const pc = connection([
    { mid: '0', send: track('mic', 'audio'), recv: track('remote-a', 'audio', { muted: true }) },
  ]);
  w.poll(pc);
  w.poll(pc);
  assert.deepEqual(events, []);
});

test('stop(), mute, unmute, disable and enable become named events with kind, track id, direction and mid', () => {
  const { events, w } = watch();
  const mic = track('mic', 'audio');
  const cam = track('cam', 'video');
  const remote = track('remote-v', 'video', { muted: true });
  const pc = connection([
    { mid: '0', send: mic, recv: null },
    { mid: '1', send: cam, recv: remote },
  ]);
  w.poll(pc);
  mic.enabled = false;
  remote.muted = false;
  w.poll(pc);
  mic.enabled = true;
  cam.muted = true;
  w.poll(pc);
  cam.muted = false;
  w.poll(pc);
  cam.readyState = 'ended';
  w.poll(pc);
  w.poll(pc);
  assert.deepEqual(
    events.map((e) => [
      e.name,
      e.metadata.track_id,
      e.metadata.kind,
      e.metadata.direction,
      e.metadata.mid,
    ]),
    [
      ['track_disabled', 'mic', 'audio', 'send', '0'],
      ['track_unmuted', 'remote-v', 'video', 'recv', '1'],
      ['track_enabled', 'mic', 'audio', 'send', '0'],
      ['track_muted', 'cam', 'video', 'send', '1'],
      ['track_unmuted', 'cam', 'video', 'send', '1'],
      ['track_ended', 'cam', 'video', 'send', '1'],
    ],
  );
});

test('samples of an ended track are marked, by track id or (when the stats lost the id) by mid and direction', () => {
  const { w } = watch();
  const cam = track('cam', 'video');
  const pc = connection([{ mid: '1', send: cam, recv: track('r', 'video') }]);
  w.poll(pc);
  assert.equal(w.isEnded({ track_id: 'cam', direction: 'producer', mid: '1' }), false);
  cam.readyState = 'ended';
  w.poll(pc);
  assert.equal(w.isEnded({ track_id: 'cam', direction: 'producer', mid: '1' }), true);
  assert.equal(w.isEnded({ direction: 'producer', mid: '1' }), true);
  assert.equal(
    w.isEnded({ direction: 'consumer', mid: '1' }),
    false,
    'the received track of the same transceiver is live',
  );
  assert.equal(w.isEnded({ track_id: 'r', direction: 'consumer', mid: '1' }), false);
});

test('a track already ended or disabled when first seen is reported at once', () => {
  const { events, w } = watch();
  w.poll(
    connection([
      { mid: '0', send: track('mic', 'audio', { readyState: 'ended' }), recv: null },
      { mid: '1', send: track('cam', 'video', { enabled: false }), recv: null },
    ]),
  );
  assert.deepEqual(
    events.map((e) => [e.name, e.metadata.track_id]),
    [
      ['track_ended', 'mic'],
      ['track_disabled', 'cam'],
    ],
  );
});

/**
 * One complete two-peer call with the collector on both pages: meeting and
 * participants through the SDK, pages, setup, connect, talk, stop sending,
 * leave, and both peer reports once the server has closed the peers.
 */
import assert from 'node:assert/strict';
import type { BrowserEnvironment } from './environment.ts';
import { connectPeers, PeerPage, type PeerSetup } from './peer-page.ts';
import {
  createMeeting,
  hasLeft,
  waitForReport,
  type Meeting,
  type ReportParticipant,
} from './realtimekit.ts';

export interface CallOptions {
  label: string;
  /** How long media flows before the call ends, ms. */
  talkMs: number;
  /** Collector bundle per peer (default ESM for both). */
  formats?: ['esm' | 'iife', 'esm' | 'iife'];
  /** Setup options shared by both peers (server and token are filled in). */
  setup?: Omit<PeerSetup, 'server' | 'token'>;
  /** Extra setup options per peer (e.g. a precall test on the first). */
  perPeer?: [Partial<PeerSetup>, Partial<PeerSetup>];
  /** Runs once the meeting (and its app) exists, before the pages open (e.g. to subscribe a webhook). */
  onMeeting?: (meeting: Meeting) => Promise<void>;
}

export interface CallResult {
  meeting: Meeting;
  reports: ReportParticipant[];
  /**
   * Each page's own getStats() totals (`out-audio`, `in-video`, `out-screenshare_video`...)
   * just before and just after the collector's last sample (taken by `leave()`): a few
   * late retransmissions may still be counted in between on a loaded machine.
   */
  rawBefore: Record<string, number>[];
  rawAfter: Record<string, number>[];
  /** The first peer's precall result, when it ran one. */
  precall?: Record<string, unknown>;
}

/** Runs the call; its pages are closed at the end (or by `env.close()` on failure). */
export async function runCall(env: BrowserEnvironment, o: CallOptions): Promise<CallResult> {
  const meeting = await createMeeting(env.server, 2, o.label);
  await o.onMeeting?.(meeting);
  const formats = o.formats ?? ['esm', 'esm'];
  const peers: PeerPage[] = [];
  for (const format of formats) {
    const page = await PeerPage.open(
      env.browser,
      env.pages.url,
      format === 'esm' ? env.collectorEsmUrl : env.collectorIifeUrl,
      format,
    );
    env.defer(() => page.close());
    peers.push(page);
  }
  const setups = await Promise.all(
    peers.map((p, i) =>
      p.setup({
        sampleIntervalMs: 500,
        batchIntervalMs: 1500,
        ...o.setup,
        ...o.perPeer?.[i],
        server: env.server.url,
        token: meeting.participants[i].token,
      }),
    ),
  );
  for (const s of setups) assert.ok(s.joined?.peer_id, 'the collector joined');
  await connectPeers(peers[0], peers[1]);
  await new Promise((r) => setTimeout(r, o.talkMs));
  await Promise.all(peers.map((p) => p.call('stopSending')));
  await new Promise((r) => setTimeout(r, 2500)); // let both ends' counters settle
  const rawBefore = await Promise.all(
    peers.map((p) => p.call<Record<string, number>>('rawTotals')),
  );
  await Promise.all(peers.map((p) => p.call('leave', 'call_ended')));
  const rawAfter = await Promise.all(peers.map((p) => p.call<Record<string, number>>('rawTotals')));
  const reports: ReportParticipant[] = [];
  for (const p of peers) {
    assert.deepEqual(p.pageErrors, [], 'page errors');
    assert.deepEqual(await p.call('errors'), [], 'collector errors');
    reports.push(await waitForReport(meeting, await p.peerId(), hasLeft));
  }
  // Release the fake camera and microphone: a later call in the same browser
  // got no video frames while these pages still held them.
  for (const p of peers) await p.close();
  return { meeting, reports, rawBefore, rawAfter, precall: setups[0].precall };
}

/**
 * The additive `data.quality_cohort` of a finished peer's report: where its
 * MOS falls among the app's peers of the week (src/rollup/cohort-context.ts),
 * read from the rollups at serve time (≤ 5 small indexed reads), so a cached
 * report body still shows the current week's cohort. Absent for a peer
 * without a rollup (live, or not compacted yet).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import {
  cohortBuckets,
  dayStart,
  peerRollupOfPeer,
  rankInAsnBrowser,
} from '../store/quality-rollups-read.ts';
import { cohortRanks, cohortSummary, type CohortInput } from '../rollup/cohort-context.ts';

const DAY_MS = 86_400_000;

/** The `quality_cohort` object of a peer, or undefined when it has no rollup. */
export async function qualityCohort(
  db: Kysely<Database>,
  accountId: string,
  appId: string,
  peerId: string,
): Promise<Record<string, unknown> | undefined> {
  const peer = await peerRollupOfPeer(db, accountId, appId, peerId);
  if (!peer) return undefined;
  const toDay = peer.day;
  const fromDay = new Date(dayStart(toDay) - 6 * DAY_MS).toISOString().slice(0, 10);
  const [app, asn, browser, both] = await Promise.all([
    cohortBuckets(db, accountId, appId, fromDay, toDay, 'all', ''),
    cohortBuckets(db, accountId, appId, fromDay, toDay, 'asn', peer.asn),
    cohortBuckets(db, accountId, appId, fromDay, toDay, 'browser', peer.browser),
    rankInAsnBrowser(
      db,
      { accountId, appId, fromDay, toDay, asn: peer.asn, browser: peer.browser },
      peer.audio_mos,
      peer.video_mos,
    ),
  ]);
  const inputs: CohortInput[] = [
    { scope: 'app', peers: app.peers, audio: app.data.h.am, video: app.data.h.vm },
    { scope: 'asn', asn: peer.asn, peers: asn.peers, audio: asn.data.h.am, video: asn.data.h.vm },
    {
      scope: 'browser',
      browser: peer.browser,
      peers: browser.peers,
      audio: browser.data.h.am,
      video: browser.data.h.vm,
    },
    {
      scope: 'asn_browser',
      asn: peer.asn,
      browser: peer.browser,
      peers: both.peers,
      audioRank: both.audio,
      videoRank: both.video,
    },
  ];
  const cohorts = cohortRanks(peer.audio_mos, peer.video_mos, inputs);
  const summary = cohortSummary(cohorts);
  return {
    start_date: fromDay,
    end_date: toDay,
    audio_mos: peer.audio_mos,
    video_mos: peer.video_mos,
    verdict: peer.verdict,
    cohorts,
    ...(summary ? { summary } : {}),
  };
}

/** `body` (`{"success":true,"data":{…}}`) with `data.quality_cohort` added. */
export function withQualityCohort(body: Buffer, cohort: Record<string, unknown>): Buffer {
  // The body ends with the `}` of data and the `}` of the root object.
  return Buffer.concat([
    body.subarray(0, body.length - 2),
    Buffer.from(`,"quality_cohort":${JSON.stringify(cohort)}}}`),
  ]);
}

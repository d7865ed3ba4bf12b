/**
 * The additive `data.quality_cohort` of a finished peer's report: where its
 * MOS falls among the app's peers of the week (src/rollup/cohort-context.ts),
 * read from the rollups at serve time (≤ 5 small indexed reads, shared for a
 * few seconds through a {@link CohortCache}), so a cached report body still
 * shows the current week's cohort. Absent for a peer without a rollup (live,
 * or not compacted yet).
 */
import type { Store } from '../store/store.ts';
import { dayStart } from '../store/quality-rollups-read.ts';
import { cohortRanks, cohortSummary, type CohortInput } from '../rollup/cohort-context.ts';
import { CohortCache } from './cohort-cache.ts';

const DAY_MS = 86_400_000;

/** The `quality_cohort` object of a peer, or undefined when it has no rollup. */
export async function qualityCohort(
  store: Store,
  accountId: string,
  appId: string,
  peerId: string,
  cache: CohortCache = new CohortCache(0),
  peerStamp = '',
): Promise<Record<string, unknown> | undefined> {
  // The peer's own row is keyed by its version (late telemetry re-rolls it up); a missing one is not kept, so
  // the cohort shows up as soon as compaction wrote the rollup.
  const peerKey = `p|${accountId}|${appId}|${peerId}|${peerStamp}`;
  const peer = await cache.get(peerKey, () => store.fleet.peerRollup(accountId, appId, peerId));
  if (!peer) {
    cache.delete(peerKey);
    return undefined;
  }
  const toDay = peer.day;
  const fromDay = new Date(dayStart(toDay) - 6 * DAY_MS).toISOString().slice(0, 10);
  const scope = `${accountId}|${appId}|${fromDay}|${toDay}`;
  const buckets = (dim: 'all' | 'asn' | 'browser', value: string) =>
    cache.get(`b|${scope}|${dim}|${value}`, () =>
      store.fleet.cohortBuckets(accountId, appId, fromDay, toDay, dim, value),
    );
  const [app, asn, browser, both] = await Promise.all([
    buckets('all', ''),
    buckets('asn', peer.asn),
    buckets('browser', peer.browser),
    cache.get(`r|${scope}|${peer.asn}|${peer.browser}|${peer.audio_mos}|${peer.video_mos}`, () =>
      store.fleet.rankInAsnBrowser(
        { accountId, appId, fromDay, toDay, asn: peer.asn, browser: peer.browser },
        peer.audio_mos,
        peer.video_mos,
      ),
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

/**
 * The end of a finished report's body from `cohort`: the `}` of data and the `}` of the root object, with
 * `,"quality_cohort":{…}` before them when the peer has a cohort. The body without its last two bytes, then
 * this, is the whole report.
 */
export function cohortTail(cohort: Record<string, unknown> | undefined): Buffer {
  return Buffer.from(cohort ? `,"quality_cohort":${JSON.stringify(cohort)}}}` : '}}');
}

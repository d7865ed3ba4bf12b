/**
 * Cohort context of a finished peer (pure): where its audio and video MOS
 * fall among the app's peers of the 7 UTC days ending on the day it finished
 * (its own day included), overall, among the same ASN, the same browser
 * family, and the same ASN on the same browser family.
 *
 * `*_percentile` is the mid-rank in percent: the share of the cohort's peers
 * (with that MOS) whose MOS is lower, peers with an equal MOS counted half.
 * From the day buckets' histograms (histogram.ts) for the first three, so
 * MOS values within the same 0.05 bucket count as equal; exact from the
 * per-peer rows for ASN × browser. `summary` names the narrowest cohort of at
 * least {@link MIN_COHORT_PEERS} peers where the peer is in the bottom or top
 * 5/10/25 % ("bottom 5 % for AS3320 on Chrome this week").
 */
import { histogramRank, histogramTotal, type Histogram } from './histogram.ts';

/** Cohorts smaller than this are reported but never summarised. */
export const MIN_COHORT_PEERS = 20;

/** One cohort's ranks. */
export interface CohortRank {
  scope: 'app' | 'asn' | 'browser' | 'asn_browser';
  asn?: string;
  browser?: string;
  peers: number;
  audio_mos_percentile?: number;
  video_mos_percentile?: number;
}

/** A cohort as read: histograms (bucketed) or exact counts. */
export type CohortInput =
  | {
      scope: 'app' | 'asn' | 'browser';
      asn?: string;
      browser?: string;
      peers: number;
      audio: Histogram;
      video: Histogram;
    }
  | {
      scope: 'asn_browser';
      asn: string;
      browser: string;
      peers: number;
      audioRank?: { n: number; below: number };
      videoRank?: { n: number; below: number };
    };

const pct = (share: number | undefined) =>
  share === undefined ? undefined : Math.round(share * 1000) / 10;

/** The ranks of a peer's MOS in each cohort. */
export function cohortRanks(
  audio: number | null,
  video: number | null,
  cohorts: readonly CohortInput[],
): CohortRank[] {
  return cohorts.map((c) => {
    const base: CohortRank = {
      scope: c.scope,
      ...(c.asn ? { asn: c.asn } : {}),
      ...(c.browser ? { browser: c.browser } : {}),
      peers: c.peers,
    };
    if (c.scope === 'asn_browser') {
      const share = (r: { n: number; below: number } | undefined) =>
        r && r.n > 0 ? r.below / r.n : undefined;
      return dropUndefined({
        ...base,
        audio_mos_percentile: pct(share(c.audioRank)),
        video_mos_percentile: pct(share(c.videoRank)),
      });
    }
    return dropUndefined({
      ...base,
      audio_mos_percentile:
        audio === null || histogramTotal(c.audio) === 0
          ? undefined
          : pct(histogramRank(c.audio, 'mos', audio)),
      video_mos_percentile:
        video === null || histogramTotal(c.video) === 0
          ? undefined
          : pct(histogramRank(c.video, 'mos', video)),
    });
  });
}

/** One sentence for the narrowest cohort large enough where the peer stands out, or undefined. */
export function cohortSummary(ranks: readonly CohortRank[]): string | undefined {
  for (const r of [...ranks].reverse()) {
    if (r.peers < MIN_COHORT_PEERS) continue;
    const values = [r.audio_mos_percentile, r.video_mos_percentile].filter(
      (v): v is number => v !== undefined,
    );
    if (values.length === 0) continue;
    const low = Math.min(...values);
    const high = Math.max(...values);
    const where =
      r.scope === 'app'
        ? "among this app's peers"
        : r.scope === 'asn'
          ? `for ${r.asn}`
          : r.scope === 'browser'
            ? `on ${r.browser}`
            : `for ${r.asn} on ${r.browser}`;
    for (const cut of [5, 10, 25]) {
      if (low <= cut) return `bottom ${cut} % ${where} this week`;
    }
    for (const cut of [5, 10, 25]) {
      if (high >= 100 - cut) return `top ${cut} % ${where} this week`;
    }
  }
  return undefined;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

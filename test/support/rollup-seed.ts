/**
 * Finished peers for the fleet-analytics tests, stored the way compaction
 * stores them: a `peers` row (client metadata, IP information), a selected
 * candidate pair, and the rollup computed by the store's own code
 * (`recordPeerRollup`) from given per-interval figures and a given diagnosis
 * (verdict and issue kinds: what compaction takes from the stored diagnosis;
 * {@link seedDiagnosis} makes one from the figures when a test gives none).
 * Also the direct computation the tests check the API's figures against.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import type { StoreDialect } from '../../src/store/store-dialect.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';
import { recordPeerRollup } from '../../src/store/quality-rollups.ts';
import { bucketOf, bucketValue, type HistogramMetric } from '../../src/rollup/histogram.ts';
import {
  ISSUE_KINDS,
  VERDICTS,
  type IssueKind,
  type RollupDiagnosis,
  type Verdict,
} from '../../src/rollup/rollup-diagnosis.ts';

/** One seeded peer: its dimensions and per-interval figures. */
export interface SeedPeer {
  id: string;
  accountId: string;
  appId: string;
  joinedAt: number;
  leftAt: number;
  browser?: string;
  os?: string;
  country?: string;
  asn?: string;
  /** undefined: direct UDP; else the relay's transport. */
  relay?: 'udp' | 'tcp' | 'tls';
  networkType?: string;
  audioMos: number[];
  videoMos: number[];
  loss: number[];
  rtt: number[];
  jitter: number[];
  /** The peer's diagnosis; {@link seedDiagnosis} when absent. */
  verdict?: Verdict;
  issues?: IssueKind[];
}

/**
 * The seeded peer's diagnosis: the given one, else one that follows its
 * figures (test data only: the lowest mean MOS ≥ 4 good, ≥ 3.6 fair, ≥ 3.1
 * poor, else bad; loss p90 ≥ 5 % `packet_loss`, RTT p50 ≥ 300 ms `high_rtt`,
 * jitter p90 ≥ 30 ms `jitter`, a TCP or TLS relay `relay_over_tcp`).
 */
export function seedDiagnosis(p: SeedPeer): RollupDiagnosis & { kinds: IssueKind[] } {
  const audio = mean(p.audioMos);
  const video = mean(p.videoMos);
  const kinds: IssueKind[] = [];
  if ((interp(p.loss, 0.9) ?? 0) >= 5) kinds.push('packet_loss');
  if ((interp(p.rtt, 0.5) ?? 0) >= 300) kinds.push('high_rtt');
  if ((interp(p.jitter, 0.9) ?? 0) >= 30) kinds.push('jitter');
  if (p.relay === 'tcp' || p.relay === 'tls') kinds.push('relay_over_tcp');
  const mos = [audio, video].filter((v): v is number => v !== undefined);
  const low = mos.length ? Math.min(...mos) : 5;
  const fromMos: Verdict = low >= 4 ? 'good' : low >= 3.6 ? 'fair' : low >= 3.1 ? 'poor' : 'bad';
  return { verdict: p.verdict ?? fromMos, kinds: p.issues ?? kinds };
}

/** Stores `p` as a finished peer and computes its rollup through the store's code. */
export async function seedPeer(
  db: Kysely<Database>,
  dialect: StoreDialect,
  p: SeedPeer,
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('peers')
    .values({
      id: p.id,
      account_id: p.accountId,
      app_id: p.appId,
      meeting_id: randomUUID(),
      session_id: randomUUID(),
      participant_id: randomUUID(),
      status: 'left',
      joined_at: p.joinedAt,
      left_at: p.leftAt,
      last_seen_at: p.leftAt,
      leave_reason: 'left',
      client: JSON.stringify({
        browser_metadata: p.browser ? { browser: p.browser } : {},
        device_info: p.os ? { os: p.os } : {},
      }),
      ip_info: JSON.stringify({
        ...(p.country ? { country: p.country } : {}),
        ...(p.asn ? { asn: { asn: p.asn, name: 'x' } } : {}),
      }),
      precall: null,
      source: 'live',
      expired_at: null,
      chunks_compacted_at: now,
      chunks_merged_at: null,
      chunks_merged_upto: null,
      quality_aggregates: null,
      quality_aggregates_upto: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const local = p.relay
    ? {
        candidate_type: 'relay',
        protocol: 'udp',
        relay_protocol: p.relay,
        network_type: p.networkType,
      }
    : { candidate_type: 'host', protocol: 'udp', network_type: p.networkType };
  await db
    .insertInto('candidate_pairs')
    .values({
      account_id: p.accountId,
      peer_id: p.id,
      pc: 'pc1',
      pair_id: 'cp1',
      ts: p.leftAt,
      selected: 1,
      roles: 3,
      payload: JSON.stringify({ ts: p.leftAt, pc: 'pc1', id: 'cp1', selected: true, local }),
    })
    .execute();
  const rows = new Map<string, MetricRow[]>();
  const t = (i: number) => p.joinedAt + (i + 1) * 2000;
  rows.set(
    'audio_consumer',
    p.audioMos.map((mos, i) => ({
      t: t(i),
      d: 2,
      mos,
      loss: p.loss[i % p.loss.length],
      jit: p.jitter[i % p.jitter.length],
    })),
  );
  rows.set(
    'audio_producer',
    p.rtt.map((rtt, i) => ({ t: t(i), d: 2, rtt })),
  );
  if (p.videoMos.length > 0)
    rows.set(
      'video_consumer',
      p.videoMos.map((mos, i) => ({ t: t(i), d: 2, mos })),
    );
  await db
    .transaction()
    .execute((tx) => recordPeerRollup(tx, dialect, p.id, rows, seedDiagnosis(p), 1, now));
}

/** A seeded peer's figures computed directly (mean; linear-interpolation percentiles), rounded as stored. */
export interface DirectFigures {
  peer: SeedPeer;
  day: string;
  hour: string;
  browser: string;
  os: string;
  country: string;
  asn: string;
  network: string;
  minutes: number;
  audio: number | null;
  video: number | null;
  lossP50: number | null;
  lossP90: number | null;
  rttP50: number | null;
  jitterP50: number | null;
  jitterP90: number | null;
  verdict: Verdict;
  issues: IssueKind[];
  severity: number;
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined);
function interp(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}
const r = (v: number | undefined, dp: number) => (v === undefined ? null : round(v, dp));

/** The direct figures of one seeded peer. */
export function directFigures(p: SeedPeer): DirectFigures {
  const network = `${p.relay ? 'relay' : 'direct'}-${p.relay ?? 'udp'}${p.networkType ? `-${p.networkType}` : ''}`;
  const audio = r(mean(p.audioMos), 3);
  const video = r(mean(p.videoMos), 3);
  const fig = {
    audio_mos: audio,
    video_mos: video,
    loss_p50: r(interp(p.loss, 0.5), 3),
    loss_p90: r(interp(p.loss, 0.9), 3),
    rtt_p50: r(interp(p.rtt, 0.5), 1),
    jitter_p90: r(interp(p.jitter, 0.9), 2),
    network,
  };
  const { verdict, kinds } = seedDiagnosis(p);
  const issues = ISSUE_KINDS.filter((k) => kinds.includes(k));
  const mos = [audio, video].filter((v): v is number => v !== null);
  const iso = new Date(p.leftAt).toISOString();
  return {
    peer: p,
    day: iso.slice(0, 10),
    hour: iso.slice(11, 13),
    browser: p.browser ?? 'unknown',
    os: p.os ?? 'unknown',
    country: p.country ?? 'unknown',
    asn: p.asn ?? 'unknown',
    network,
    minutes: (p.leftAt - p.joinedAt) / 60000,
    audio,
    video,
    lossP50: fig.loss_p50,
    lossP90: fig.loss_p90,
    rttP50: fig.rtt_p50,
    jitterP50: r(interp(p.jitter, 0.5), 2),
    jitterP90: fig.jitter_p90,
    verdict,
    issues,
    severity:
      VERDICTS.indexOf(verdict) * 1000 +
      Math.round((5 - (mos.length ? Math.min(...mos) : 5)) * 100),
  };
}

/** Nearest-rank percentile over peers, reported as its histogram bucket's value (the documented contract). */
function bucketed(metric: HistogramMetric, values: (number | null)[], p: number): number | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return bucketValue(metric, bucketOf(metric, v[Math.max(1, Math.ceil(p * v.length - 1e-9)) - 1]));
}

/** A group's sparkline point for `day` (`daily=true`), computed directly from that day's peers. */
export function directDay(day: string, peers: DirectFigures[]): Record<string, unknown> {
  const f = directGroup(peers) as {
    audio_mos: { p50: number | null };
    video_mos: { p50: number | null };
    verdicts: Record<string, number>;
  };
  return {
    day,
    peers: peers.length,
    audio_mos_p50: f.audio_mos.p50,
    video_mos_p50: f.video_mos.p50,
    poor_bad_share: Math.round((f.verdicts.poor + f.verdicts.bad) * 10_000) / 10_000,
  };
}

/** The figures of a group of peers, computed directly from their per-peer figures. */
export function directGroup(peers: DirectFigures[]): Record<string, unknown> {
  const n = peers.length;
  const issueCounts = new Map<string, number>();
  for (const p of peers)
    for (const k of p.issues) issueCounts.set(k, (issueCounts.get(k) ?? 0) + 1);
  return {
    peers: n,
    peer_minutes: round(
      peers.reduce((a, p) => a + p.minutes, 0),
      2,
    ),
    audio_mos: {
      p10: bucketed(
        'mos',
        peers.map((p) => p.audio),
        0.1,
      ),
      p50: bucketed(
        'mos',
        peers.map((p) => p.audio),
        0.5,
      ),
      p90: bucketed(
        'mos',
        peers.map((p) => p.audio),
        0.9,
      ),
    },
    video_mos: {
      p10: bucketed(
        'mos',
        peers.map((p) => p.video),
        0.1,
      ),
      p50: bucketed(
        'mos',
        peers.map((p) => p.video),
        0.5,
      ),
      p90: bucketed(
        'mos',
        peers.map((p) => p.video),
        0.9,
      ),
    },
    verdicts: Object.fromEntries(
      VERDICTS.map((v) => [v, n ? round(peers.filter((p) => p.verdict === v).length / n, 4) : 0]),
    ),
    packet_loss: {
      p50: bucketed(
        'loss',
        peers.map((p) => p.lossP50),
        0.5,
      ),
      p90: bucketed(
        'loss',
        peers.map((p) => p.lossP50),
        0.9,
      ),
    },
    rtt: {
      p50: bucketed(
        'rtt',
        peers.map((p) => p.rttP50),
        0.5,
      ),
      p90: bucketed(
        'rtt',
        peers.map((p) => p.rttP50),
        0.9,
      ),
    },
    jitter: {
      p50: bucketed(
        'jitter',
        peers.map((p) => p.jitterP50),
        0.5,
      ),
      p90: bucketed(
        'jitter',
        peers.map((p) => p.jitterP50),
        0.9,
      ),
    },
    top_issues: [...issueCounts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([kind, c]) => ({ kind, peers: c })),
  };
}

export { ISSUE_KINDS };

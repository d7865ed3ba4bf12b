/**
 * Per-track and per-remote-peer aggregates (additive to `quality_stats`), so
 * that "one sender's uplink is bad" (one remote peer's tracks degrade) can be
 * told from "my downlink is bad" (all of them do): the RealtimeKit
 * aggregates (`*_cumulative`, `audio_stats`, `video_stats`, episodes) pool
 * every remote track of a series.
 *
 * - `track_stats`: one entry per stream (`pc|direction|ssrc`), with its
 *   connection id, SSRC and the app ids known from its last sample
 *   (`peer_id` = remote peer, `producer_id`, `consumer_id`, `track_id`, `mid`,
 *   `rid`), its figures and its own degradation episodes.
 * - `remote_peer_stats`: the tracks of one remote peer and series pooled, with
 *   their episodes (entries only for streams whose remote peer is known).
 *
 * Figures of an entry (over its intervals; averages over the intervals that
 * have the value): `start`/`end` (ISO), `sample_count`, `duration_s` (Σ d),
 * `packets`, `packets_lost` (net of `packets_repaired`, never below 0),
 * `packets_repaired`, `loss_avg`, `loss_max`, `mos_avg`, `rtt_avg`,
 * `jitter_avg`, `jitter_buffer_avg`, `bitrate_kbps` (Σ bytes × 8 / Σ d),
 * `nack_count`, `pli_count`, `fir_count`, `retransmitted_packets`,
 * `retransmitted_bytes`, `fec_packets_received`, `fec_packets_discarded`,
 * `freeze_count`, `freeze_duration_ms` (sums; absent when no interval has the
 * counter), `concealed_samples_pct_avg`, `available_outgoing_bitrate_kbps`
 * (`{avg, min}`), `target_bitrate_kbps_avg`, `no_media_s` (time of the
 * intervals that carried no packet) and `track_ended` (the track ended at
 * some point). Counts are sums of per-interval deltas.
 */
import type { QualitySeries, StreamSample } from '../model/telemetry.ts';
import { degradationEpisodes, rowStart, timeOrder } from './episodes.ts';
import type { MetricRow } from './metric-row.ts';
import { round } from './mos-result.ts';

/** What is known of one stream: its key and, when stored, its last sample (for the app ids). */
export interface TrackInput {
  series: QualitySeries;
  stream_key: string;
  last?: Partial<StreamSample>;
  rows: readonly MetricRow[];
}

class Stat {
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number | undefined): void {
    if (v === undefined || !Number.isFinite(v)) return;
    this.n++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  avg(dp: number): number | undefined {
    return this.n > 0 ? round(this.sum / this.n, dp) : undefined;
  }
}

function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

/** The figures of a set of intervals (one track, or one remote peer's tracks of a series). */
function figures(rows: readonly MetricRow[]): Record<string, unknown> {
  let start = Infinity;
  let end = -Infinity;
  let duration = 0;
  let packets = 0;
  let lost = 0;
  let repaired = 0;
  let bytes = 0;
  let byteSeconds = 0;
  let noMedia = 0;
  let ended = false;
  // Sums of the repair counters; NaN until one interval has the value (then absent from the output).
  let nk = NaN;
  let rx = NaN;
  let fc = NaN;
  let fd = NaN;
  let pli = NaN;
  let fir = NaN;
  let rxb = NaN;
  let fec = NaN;
  let fecd = NaN;
  const loss = new Stat();
  const mos = new Stat();
  const rtt = new Stat();
  const jit = new Stat();
  const jb = new Stat();
  const cs = new Stat();
  const ab = new Stat();
  const tb = new Stat();
  for (const r of rows) {
    if (!Number.isFinite(r.t)) continue;
    const s = rowStart(r);
    if (s < start) start = s;
    if (r.t > end) end = r.t;
    const d = r.d !== undefined && r.d > 0 ? r.d : 0;
    duration += d;
    if (r.pk !== undefined) {
      packets += r.pk;
      if (r.pk === 0) noMedia += d;
    }
    if (r.pl !== undefined) lost += r.pl;
    if (r.rp !== undefined) repaired += r.rp;
    if (r.by !== undefined && d > 0) {
      bytes += r.by;
      byteSeconds += d;
    }
    if (r.nk !== undefined) nk = (nk === nk ? nk : 0) + r.nk;
    if (r.rx !== undefined) rx = (rx === rx ? rx : 0) + r.rx;
    if (r.fc !== undefined) fc = (fc === fc ? fc : 0) + r.fc;
    if (r.fd !== undefined) fd = (fd === fd ? fd : 0) + r.fd;
    if (r.pli !== undefined) pli = (pli === pli ? pli : 0) + r.pli;
    if (r.fir !== undefined) fir = (fir === fir ? fir : 0) + r.fir;
    if (r.rxb !== undefined) rxb = (rxb === rxb ? rxb : 0) + r.rxb;
    if (r.fec !== undefined) fec = (fec === fec ? fec : 0) + r.fec;
    if (r.fecd !== undefined) fecd = (fecd === fecd ? fecd : 0) + r.fecd;
    if (r.te === 1) ended = true;
    loss.add(r.loss);
    mos.add(r.mos);
    rtt.add(r.rtt);
    jit.add(r.jit);
    jb.add(r.jb);
    cs.add(r.cs);
    ab.add(r.ab);
    tb.add(r.tb);
  }
  const out: Record<string, unknown> = {};
  if (start !== Infinity) {
    out.start = new Date(start).toISOString();
    out.end = new Date(end).toISOString();
  }
  out.sample_count = rows.length;
  out.duration_s = round(duration, 3);
  out.packets = packets;
  out.packets_lost = Math.max(0, lost - repaired);
  if (repaired > 0) out.packets_repaired = repaired;
  put(out, 'loss_avg', loss.avg(2));
  if (loss.n > 0) out.loss_max = round(loss.max, 2);
  put(out, 'mos_avg', mos.avg(2));
  put(out, 'rtt_avg', rtt.avg(1));
  put(out, 'jitter_avg', jit.avg(2));
  put(out, 'jitter_buffer_avg', jb.avg(1));
  if (byteSeconds > 0) out.bitrate_kbps = round((bytes * 8) / byteSeconds / 1000, 2);
  if (nk === nk) out.nack_count = nk;
  if (rx === rx) out.retransmitted_packets = rx;
  if (pli === pli) out.pli_count = pli;
  if (fir === fir) out.fir_count = fir;
  if (rxb === rxb) out.retransmitted_bytes = rxb;
  if (fec === fec) out.fec_packets_received = fec;
  if (fecd === fecd) out.fec_packets_discarded = fecd;
  if (fc === fc) out.freeze_count = fc;
  if (fd === fd) out.freeze_duration_ms = fd;
  put(out, 'concealed_samples_pct_avg', cs.avg(2));
  if (ab.n > 0)
    out.available_outgoing_bitrate_kbps = { avg: round(ab.sum / ab.n, 1), min: round(ab.min, 1) };
  put(out, 'target_bitrate_kbps_avg', tb.avg(1));
  out.no_media_s = round(noMedia, 3);
  if (ended) out.track_ended = true;
  return out;
}

/** `pc|direction|ssrc` → its parts (the pc id may itself contain `|`). */
export function parseStreamKey(key: string): { pc: string; direction: string; ssrc: number } {
  const parts = key.split('|');
  const ssrc = Number(parts.pop());
  const direction = parts.pop() ?? '';
  return { pc: parts.join('|'), direction, ssrc };
}

function identity(t: TrackInput): Record<string, unknown> {
  const key = parseStreamKey(t.stream_key);
  const out: Record<string, unknown> = { series: t.series, pc_id: key.pc, ssrc: key.ssrc };
  const last = t.last ?? {};
  put(out, 'peer_id', last.remote_peer_id);
  put(out, 'producer_id', last.producer_id);
  put(out, 'consumer_id', last.consumer_id);
  put(out, 'track_id', last.track_id);
  put(out, 'mid', last.mid);
  put(out, 'rid', last.rid);
  return out;
}

/** Adds the degradation episodes of `rows` (episodes.ts: same kinds and thresholds as the series' own) to `out`. */
function withEpisodes(
  out: Record<string, unknown>,
  rows: readonly MetricRow[],
): Record<string, unknown> {
  const { episodes, truncated } = degradationEpisodes(rows, timeOrder(rows));
  out.episodes = episodes;
  if (truncated) out.episodes_truncated = true;
  return out;
}

/** Figures and episodes over the intervals of several tracks. */
function pooled(tracks: readonly (readonly MetricRow[])[]): Record<string, unknown> {
  const rows = tracks.flat();
  return withEpisodes(figures(rows), rows);
}

/** `track_stats` and `remote_peer_stats` of a peer's streams (in the given order: the report's). */
export function trackSummaries(tracks: readonly TrackInput[]): {
  track_stats: Record<string, unknown>[];
  remote_peer_stats: Record<string, unknown>[];
} {
  const trackStats: Record<string, unknown>[] = [];
  const byPeer = new Map<
    string,
    {
      peer_id: string;
      series: QualitySeries;
      ssrcs: number[];
      tracks: (readonly MetricRow[])[];
      single: Record<string, unknown>;
    }
  >();
  for (const t of tracks) {
    if (t.rows.length === 0) continue;
    const id = identity(t);
    const own = figures(t.rows);
    withEpisodes(own, t.rows);
    const entry: Record<string, unknown> = { ...id, ...own };
    trackStats.push(entry);
    const peer = id.peer_id as string | undefined;
    if (peer === undefined) continue;
    const groupKey = `${peer}\u0000${t.series}`;
    let g = byPeer.get(groupKey);
    if (!g)
      byPeer.set(
        groupKey,
        (g = { peer_id: peer, series: t.series, ssrcs: [], tracks: [], single: own }),
      );
    g.ssrcs.push(id.ssrc as number);
    g.tracks.push(t.rows);
  }
  const remotePeerStats = [...byPeer.values()]
    .sort((a, b) =>
      a.peer_id < b.peer_id
        ? -1
        : a.peer_id > b.peer_id
          ? 1
          : a.series < b.series
            ? -1
            : a.series > b.series
              ? 1
              : 0,
    )
    // One track: its figures as they are; several: computed over all their intervals.
    .map((g) => ({
      peer_id: g.peer_id,
      series: g.series,
      ssrcs: g.ssrcs,
      ...(g.tracks.length === 1 ? g.single : pooled(g.tracks)),
    }));
  return { track_stats: trackStats, remote_peer_stats: remotePeerStats };
}

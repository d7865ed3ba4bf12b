/**
 * Time-series charts of one stream (uPlot): network quality and MOS, round-trip
 * time, jitter, loss and bitrate per sample interval, as the report's
 * per-sample arrays carry them (values are per interval, never cumulative;
 * loss is the report's own `loss_pct`, never recomputed here). A stream key
 * that mixes several tracks (an SFU call with several participants, simulcast
 * layers, a replaced SSRC, a second connection) gets one line per track,
 * labelled by the remote peer (or the SSRC when nothing better is known).
 * Units: RTT and jitter in ms, loss in %, bitrate in kbit/s.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.ts';

/** One per-sample row of the report (the fields charted here). */
export interface SampleRow {
  timestamp?: string;
  mos_quality?: number;
  network_quality?: number;
  rtt?: number;
  jitter?: number;
  loss_pct?: number;
  bitrate_bps?: number;
  interval_s?: number;
  bytes_sent?: number;
  bytes_received?: number;
  ssrc?: number;
  peer_id?: string;
  track?: string;
}

/** The rows of one track, with its label. */
export interface Track {
  key: string;
  label: string;
  rows: SampleRow[];
}

/** Groups rows by track: the row's `track` when the report gives it, else remote peer and SSRC. */
export function tracksOf(rows: readonly SampleRow[]): Track[] {
  const byKey = new Map<string, Track>();
  for (const r of rows) {
    const key = r.track ?? `${r.peer_id ?? ''}|${r.ssrc ?? ''}`;
    let t = byKey.get(key);
    if (!t) byKey.set(key, (t = { key, label: '', rows: [] }));
    t.rows.push(r);
  }
  const tracks = [...byKey.values()];
  const perPeer = new Map<string, number>();
  for (const t of tracks)
    if (t.rows[0].peer_id)
      perPeer.set(t.rows[0].peer_id, (perPeer.get(t.rows[0].peer_id) ?? 0) + 1);
  for (const t of tracks) {
    const { peer_id: peer, ssrc } = t.rows[0];
    const ssrcText = ssrc === undefined ? '?' : String(ssrc);
    t.label = peer
      ? (perPeer.get(peer) ?? 0) > 1
        ? `${peer} · SSRC ${ssrcText}`
        : peer
      : `SSRC ${ssrcText}`;
  }
  return tracks;
}

type Column = (number | null)[];

/** uPlot columns: one shared x (seconds since epoch, every track's times, sorted) and per track its values on it, null elsewhere. */
export function chartData(rows: readonly SampleRow[]): {
  x: number[];
  tracks: {
    label: string;
    mos: Column;
    network: Column;
    rtt: Column;
    jitter: Column;
    loss: Column;
    kbps: Column;
  }[];
  lossMax: number;
} {
  const tracks = tracksOf(rows);
  const times = new Set<number>();
  for (const r of rows) {
    const t = r.timestamp ? Date.parse(r.timestamp) / 1000 : NaN;
    if (Number.isFinite(t)) times.add(t);
  }
  const x = [...times].sort((a, b) => a - b);
  const at = new Map(x.map((t, i) => [t, i]));
  let lossMax = 0;
  const out = tracks.map((track) => {
    const col = (): Column => new Array<number | null>(x.length).fill(null);
    const c = {
      label: track.label,
      mos: col(),
      network: col(),
      rtt: col(),
      jitter: col(),
      loss: col(),
      kbps: col(),
    };
    for (const r of track.rows) {
      const i = r.timestamp ? at.get(Date.parse(r.timestamp) / 1000) : undefined;
      if (i === undefined) continue;
      const bytes = r.bytes_received ?? r.bytes_sent;
      c.mos[i] = r.mos_quality ?? null;
      c.network[i] = r.network_quality ?? null;
      c.rtt[i] = r.rtt ?? null;
      c.jitter[i] = r.jitter ?? null;
      c.loss[i] = r.loss_pct ?? null;
      if (r.loss_pct !== undefined && r.loss_pct > lossMax) lossMax = r.loss_pct;
      c.kbps[i] =
        r.bitrate_bps !== undefined
          ? r.bitrate_bps / 1000
          : bytes !== undefined && r.interval_s
            ? (bytes * 8) / r.interval_s / 1000
            : null;
    }
    return c;
  });
  return { x, tracks: out, lossMax };
}

/** Top of the loss axis: the data's maximum with headroom, at least 1 %, at most 100 %. */
export function lossAxisTop(lossMax: number): number {
  if (!(lossMax > 0)) return 1;
  const top = lossMax * 1.25;
  const step = top <= 2 ? 0.5 : top <= 10 ? 1 : top <= 50 ? 5 : 10;
  return Math.min(100, Math.ceil(top / step) * step);
}

/** A time range to shade on a chart (epoch s), e.g. a diagnosed issue. */
export interface ChartRange {
  start: number;
  end: number;
  severity: string;
}

const RANGE_FILL: Record<string, string> = {
  fair: 'rgba(249, 168, 37, 0.18)',
  poor: 'rgba(239, 108, 0, 0.2)',
  bad: 'rgba(198, 40, 40, 0.2)',
};

/** A uPlot plugin shading `ranges` behind the series. */
function rangesPlugin(ranges: readonly ChartRange[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const ctx = u.ctx;
        ctx.save();
        for (const r of ranges) {
          const x0 = u.valToPos(r.start, 'x', true);
          const x1 = Math.max(u.valToPos(r.end, 'x', true), x0 + 2);
          ctx.fillStyle = RANGE_FILL[r.severity] ?? RANGE_FILL.fair;
          ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        }
        ctx.restore();
      },
    },
  };
}

/** Dash patterns that tell the tracks of one chart apart (the colour says the metric). */
const DASHES: number[][] = [[], [8, 4], [2, 3], [12, 4, 2, 4]];

/** Draws the score chart and the network chart of one stream into `into`, with `ranges` (diagnosed issues) shaded. */
export function drawStreamCharts(
  into: HTMLElement,
  rows: readonly SampleRow[],
  ranges: readonly ChartRange[] = [],
): void {
  const d = chartData(rows);
  const width = Math.max(320, Math.min(into.clientWidth || 900, 1100));
  const lossTop = lossAxisTop(d.lossMax);
  const marked = String(ranges.length);
  const mos = h('div', {
    class: 'chart chart-mos',
    'data-tracks': String(d.tracks.length),
    'data-issue-ranges': marked,
  });
  const net = h('div', {
    class: 'chart chart-net',
    'data-tracks': String(d.tracks.length),
    'data-loss-axis-max': String(lossTop),
    'data-issue-ranges': marked,
  });
  into.append(mos, net);
  const plugins = ranges.length ? [rangesPlugin(ranges)] : [];
  const suffix = (label: string) => (d.tracks.length > 1 ? ` — ${label}` : '');
  const line = (label: string, scale: string, stroke: string, i: number, digits: number) => ({
    label,
    scale,
    stroke,
    dash: DASHES[i % DASHES.length],
    width: scale === 'mos' ? 2 : 1,
    spanGaps: true,
    value: (_u: uPlot, v: number | null) => (v == null ? '—' : v.toFixed(digits)),
  });
  new uPlot(
    {
      width,
      height: 180,
      plugins,
      scales: { mos: { range: [1, 4.5] } },
      series: [
        {},
        ...d.tracks.flatMap((t, i) => [
          line(`network${suffix(t.label)}`, 'mos', '#1b5e20', i, 2),
          line(`MOS${suffix(t.label)}`, 'mos', '#81c784', i, 2),
        ]),
      ],
      axes: [{}, { scale: 'mos', label: 'score (1–4.5)' }],
    },
    [d.x, ...d.tracks.flatMap((t) => [t.network, t.mos])],
    mos,
  );
  new uPlot(
    {
      width,
      height: 200,
      plugins,
      scales: { ms: {}, pct: { range: [0, lossTop] }, kbps: {} },
      series: [
        {},
        ...d.tracks.flatMap((t, i) => [
          line(`RTT (ms)${suffix(t.label)}`, 'ms', '#1565c0', i, 0),
          line(`jitter (ms)${suffix(t.label)}`, 'ms', '#6a1b9a', i, 1),
          line(`loss (%)${suffix(t.label)}`, 'pct', '#c62828', i, 2),
          line(`bitrate (kbps)${suffix(t.label)}`, 'kbps', '#8d6e63', i, 0),
        ]),
      ],
      axes: [
        {},
        { scale: 'ms', label: 'ms' },
        { scale: 'pct', side: 1, label: 'loss %', grid: { show: false } },
        { scale: 'kbps', side: 1, label: 'kbps', grid: { show: false } },
      ],
    },
    [d.x, ...d.tracks.flatMap((t) => [t.rtt, t.jitter, t.loss, t.kbps])],
    net,
  );
}

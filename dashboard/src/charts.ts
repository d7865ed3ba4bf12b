/**
 * Time-series charts of one stream (uPlot): MOS, round-trip time, jitter,
 * loss and bitrate per sample interval, as the report's per-sample arrays
 * carry them (values are per interval, never cumulative).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.ts';

/** One per-sample row of the report (the fields charted here). */
export interface SampleRow {
  timestamp?: string;
  mos_quality?: number;
  rtt?: number;
  jitter?: number;
  packets_lost?: number;
  packets_sent?: number;
  packets_received?: number;
  bytes_sent?: number;
  bytes_received?: number;
}

/** Columns for uPlot: x = seconds since epoch; null where a value is absent. */
export function seriesOf(rows: readonly SampleRow[]): { x: number[]; mos: (number | null)[]; rtt: (number | null)[]; jitter: (number | null)[]; loss: (number | null)[]; kbps: (number | null)[] } {
  const out = { x: [] as number[], mos: [] as (number | null)[], rtt: [] as (number | null)[], jitter: [] as (number | null)[], loss: [] as (number | null)[], kbps: [] as (number | null)[] };
  let prevT: number | undefined;
  for (const r of rows) {
    const t = r.timestamp ? Date.parse(r.timestamp) / 1000 : NaN;
    if (!Number.isFinite(t)) continue;
    const packets = r.packets_received ?? r.packets_sent;
    const bytes = r.bytes_received ?? r.bytes_sent;
    const seconds = prevT === undefined ? undefined : t - prevT;
    out.x.push(t);
    out.mos.push(r.mos_quality ?? null);
    out.rtt.push(r.rtt ?? null);
    out.jitter.push(r.jitter ?? null);
    out.loss.push(packets !== undefined && r.packets_lost !== undefined && packets + r.packets_lost > 0 ? (100 * r.packets_lost) / (packets + r.packets_lost) : null);
    out.kbps.push(bytes !== undefined && seconds && seconds > 0 ? (bytes * 8) / seconds / 1000 : null);
    prevT = t;
  }
  return out;
}

/** A time range to shade on a chart (epoch s), e.g. a diagnosed issue. */
export interface ChartRange {
  start: number;
  end: number;
  severity: string;
}

const RANGE_FILL: Record<string, string> = { fair: 'rgba(249, 168, 37, 0.18)', poor: 'rgba(239, 108, 0, 0.2)', bad: 'rgba(198, 40, 40, 0.2)' };

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

/** Draws the MOS chart and the network chart of one stream into `into`, with `ranges` shaded. */
export function drawStreamCharts(into: HTMLElement, rows: readonly SampleRow[], ranges: readonly ChartRange[] = []): void {
  const s = seriesOf(rows);
  const width = Math.max(320, Math.min(into.clientWidth || 900, 1100));
  const marked = String(ranges.length);
  const mos = h('div', { class: 'chart chart-mos', 'data-issue-ranges': marked });
  const net = h('div', { class: 'chart chart-net', 'data-issue-ranges': marked });
  into.append(mos, net);
  const plugins = ranges.length ? [rangesPlugin(ranges)] : [];
  new uPlot(
    {
      width,
      height: 180,
      plugins,
      scales: { mos: { range: [1, 4.5] } },
      series: [{}, { label: 'MOS', scale: 'mos', stroke: '#2f7d32', width: 2, value: (_u, v) => (v == null ? '—' : v.toFixed(2)) }],
      axes: [{}, { scale: 'mos', label: 'MOS' }],
    },
    [s.x, s.mos],
    mos,
  );
  new uPlot(
    {
      width,
      height: 200,
      plugins,
      scales: { ms: {}, pct: { range: [0, 100] }, kbps: {} },
      series: [
        {},
        { label: 'RTT (ms)', scale: 'ms', stroke: '#1565c0' },
        { label: 'jitter (ms)', scale: 'ms', stroke: '#6a1b9a' },
        { label: 'loss (%)', scale: 'pct', stroke: '#c62828' },
        { label: 'bitrate (kbps)', scale: 'kbps', stroke: '#8d6e63' },
      ],
      axes: [{}, { scale: 'ms', label: 'ms' }, { scale: 'pct', side: 1, label: '%', grid: { show: false } }, { scale: 'kbps', side: 1, label: 'kbps', grid: { show: false } }],
    },
    [s.x, s.rtt, s.jitter, s.loss, s.kbps],
    net,
  );
}

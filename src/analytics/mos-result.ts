/**
 * The explainable score returned by every MOS model in `src/analytics/`.
 *
 * A score never travels alone: the method id (with a version suffix, bumped
 * whenever a constant or formula changes), the inputs actually used and the
 * impairment split come with it, so a reader can redo the arithmetic. When a
 * required input is missing there is no score at all: `mos` is absent,
 * `missing` names the inputs and `reason` says why. A missing input is never
 * replaced by 0 (see quality-scoring.md §3 #2 and #3: Firefox and Safari
 * complaints about silent defaults).
 */
export interface MosResult {
  /** 1..4.5, rounded to 2 decimals; absent when no score could be computed. */
  mos?: number;
  /** Model id and version, e.g. `itu-g107.2-fb@1`. */
  method: string;
  /** The inputs the model used (after validation), plus where they came from. */
  inputs: Record<string, number | string | boolean>;
  /** Intermediate terms (Idd, Ie_eff, R, ...) so the score can be re-derived. */
  impairments?: Record<string, number>;
  /** Names of the required inputs that were absent or not finite. */
  missing?: string[];
  /** Human-readable explanation when `mos` is absent (or an assumption was made). */
  reason?: string;
}

/** Round to `dp` decimals (half away from zero is not needed: inputs are positive or tiny). */
export function round(value: number, dp: number): number {
  const f = 10 ** dp;
  return Math.round(value * f) / f;
}

/** `value` if it is a finite number, otherwise undefined. */
export function finite(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `value` if it is a finite number >= 0, otherwise undefined. */
export function finiteNonNegative(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Clamp `value` into [lo, hi]. */
export function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}

/** Keys dropped from the per-sample `mos_detail`: constants of the method (documented per method id) and duplicates. */
const CONSTANT_KEYS = new Set([
  'Ie',
  'Bpl',
  'R_FB',
  'packetization_ms',
  'reference_pixels',
  'codec_factor',
  'fec',
  'dtx',
]);

/** Model input → the per-sample row field that already carries it. */
const ROW_FIELD_OF_INPUT: Record<string, string> = {
  rtt_ms: 'rtt',
  jitter_ms: 'jitter',
  loss_pct: 'loss_pct',
  bitrate_bps: 'bitrate_bps',
  jitter_buffer_delay_ms: 'jitter_buffer_delay',
  frame_width: 'frame_width',
  frame_height: 'frame_height',
  frames_per_second: 'frames_per_second',
};

const round2 = (v: number) =>
  Math.abs(v) < 0.1 ? Math.round(v * 1e4) / 1e4 : Math.round(v * 100) / 100;

/**
 * The per-sample form of a {@link MosResult}. The score itself is in
 * `mos_quality`; the method's constants are documented once per method id
 * (docs/quality-model.md); an input that the row already carries is named in
 * `row_inputs` instead of repeated (e.g. `rtt` means "the row's rtt was the
 * model's rtt_ms"); the other inputs (sources, codec, expected fps, freeze
 * ratio...) and the impairment split are kept, rounded to 2 decimals.
 * Keeps the stored rows, and so the report, small.
 */
export function compactMosDetail(
  detail: MosResult,
  row?: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { method: detail.method };
  const inputs: Record<string, number | string | boolean> = {};
  const rowInputs: string[] = [];
  for (const k in detail.inputs) {
    if (CONSTANT_KEYS.has(k)) continue;
    const v = detail.inputs[k];
    const field = ROW_FIELD_OF_INPUT[k];
    if (
      field &&
      row &&
      typeof v === 'number' &&
      typeof row[field] === 'number' &&
      Math.abs((row[field] as number) - v) <= Math.max(0.01, Math.abs(v) * 0.001)
    ) {
      rowInputs.push(field);
      continue;
    }
    inputs[k] = typeof v === 'number' ? round2(v) : v;
  }
  if (rowInputs.length) out.row_inputs = rowInputs;
  out.inputs = inputs;
  if (detail.impairments) {
    const imp: Record<string, number> = {};
    for (const k in detail.impairments)
      if (!CONSTANT_KEYS.has(k)) imp[k] = round2(detail.impairments[k] as number);
    out.impairments = imp;
  }
  if (detail.missing) out.missing = detail.missing;
  if (detail.reason) out.reason = detail.reason;
  return out;
}

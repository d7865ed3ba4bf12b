/** Shortens the JSON of a sample without changing what it says. Pure. */

/**
 * Rounds every non-integer number of `obj` (one level deep) to 4 decimals in
 * place: `0.7999999999999999` becomes `0.8`. Absolute error ≤ 0.00005, so
 * deltas between consecutive cumulative counters keep their precision
 * (unlike rounding to significant digits). Returns `obj`.
 */
export function trimNumbers<T extends object>(obj: T): T {
  const o = obj as Record<string, unknown>;
  for (const key in o) {
    const v = o[key];
    if (typeof v === 'number' && !Number.isInteger(v)) o[key] = Math.round(v * 1e4) / 1e4;
  }
  return obj;
}

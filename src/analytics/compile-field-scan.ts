/**
 * Checks of two samples over a constant list of fields, compiled once into straight-line code. Pure.
 *
 * Why: a loop reading `sample[key]` is one keyed access site that meets every field name on every sample shape
 * (audio and video, producer and consumer, each browser's set of stats). V8 then looks each read up in its
 * global cache: the counter checks of `resetReason` and carry-counters.ts cost ~3 µs a sample that way, the most
 * of any step of the derivation. One read site per field stays on V8's inline fast path.
 */

/**
 * A function of `(prev, cur)` running `body(field)` for each field in order; a statement may `return`, and
 * the function returns undefined when none does. Fields must be identifiers (they come from constant lists of
 * the code, never from input); anything else throws.
 */
export function compileFieldScan<F>(fields: readonly string[], body: (field: string) => string): F {
  for (const f of fields)
    if (!/^[a-z_][a-z0-9_]*$/.test(f)) throw new Error(`not a field name: ${f}`);
  // Generated from constant identifiers (checked above), so nothing of the input reaches the code.
  return new Function('prev', 'cur', `${fields.map(body).join('\n')}\nreturn undefined;`) as F;
}

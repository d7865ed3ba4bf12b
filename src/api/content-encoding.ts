/**
 * Choosing a response's content coding from `Accept-Encoding` (RFC 9110 §12.5.3): the codings we produce are
 * brotli and gzip; q-values rank them, `q=0` refuses one, `*` stands for any coding not named. Brotli wins a
 * tie (smaller bodies at the same CPU: see BENCHMARKS.md).
 */

/** A content coding this server produces. */
export type ContentCoding = 'br' | 'gzip';

const PRODUCED: readonly ContentCoding[] = ['br', 'gzip'];

/** The coding to send for `acceptEncoding`, or undefined for the identity coding. */
export function preferredCoding(
  acceptEncoding: string | undefined | null,
): ContentCoding | undefined {
  if (!acceptEncoding) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params
      .map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1])
      .find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    weights.set(name.trim(), Number.isFinite(weight) ? Math.min(1, Math.max(0, weight)) : 0);
  }
  let best: ContentCoding | undefined;
  let bestWeight = 0;
  for (const coding of PRODUCED) {
    const weight =
      weights.get(coding) ??
      (coding === 'gzip' ? weights.get('x-gzip') : undefined) ??
      weights.get('*') ??
      0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

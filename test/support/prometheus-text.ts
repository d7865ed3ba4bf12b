/**
 * Reads the Prometheus text exposition format (what `GET /metrics` serves)
 * for assertions: samples with their labels, and the `# TYPE` of each family.
 * Strict: a line that is neither a comment nor a well-formed sample fails.
 */
import assert from 'node:assert/strict';

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition. */
export interface PromText {
  samples: PromSample[];
  types: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** Parses `text`. */
export function parsePromText(text: string): PromText {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (m) types.set(m[1], m[2]);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < m[2].length) {
        const at = LABEL.lastIndex;
        const l = LABEL.exec(m[2]);
        assert.ok(l, `malformed labels at ${at}: ${line}`);
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    // Prometheus parses values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`).
    const special = m[3].toLowerCase();
    const value =
      special === '+inf'
        ? Infinity
        : special === '-inf'
          ? -Infinity
          : special === 'nan'
            ? Number.NaN
            : Number(m[3]);
    assert.ok(!Number.isNaN(value) || special === 'nan', `malformed value: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { samples, types };
}

/** The value of the sample `name` whose labels include `labels`; 0 when absent (a counter never incremented). */
export function promValue(p: PromText, name: string, labels: Record<string, string> = {}): number {
  const hits = p.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(hits.length <= 1, `${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value ?? 0;
}

/**
 * Checks every histogram family of `p`: per label set, `le` bounds strictly
 * increasing and ending at +Inf, cumulative counts non-decreasing, the +Inf
 * bucket equal to `_count`, a finite non-negative `_sum`. Returns the families checked.
 */
export function assertHistogramsWellFormed(p: PromText): string[] {
  const families = [...p.types].filter(([, t]) => t === 'histogram').map(([n]) => n);
  for (const family of families) {
    const series = new Map<string, PromSample[]>();
    const key = (labels: Record<string, string>) =>
      JSON.stringify(
        Object.entries(labels)
          .filter(([k]) => k !== 'le')
          .sort(),
      );
    for (const s of p.samples.filter((x) => x.name === `${family}_bucket`)) {
      const k = key(s.labels);
      if (!series.has(k)) series.set(k, []);
      series.get(k)!.push(s);
    }
    for (const [k, buckets] of series) {
      const bounds = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
      for (let i = 1; i < bounds.length; i++)
        assert.ok(bounds[i] > bounds[i - 1], `${family}${k}: le not increasing at ${i}`);
      assert.equal(bounds[bounds.length - 1], Infinity, `${family}${k}: no +Inf bucket`);
      for (let i = 1; i < buckets.length; i++)
        assert.ok(
          buckets[i].value >= buckets[i - 1].value,
          `${family}${k}: bucket counts decrease at le=${buckets[i].labels.le}`,
        );
      const count = p.samples.find((s) => s.name === `${family}_count` && key(s.labels) === k);
      const sum = p.samples.find((s) => s.name === `${family}_sum` && key(s.labels) === k);
      assert.ok(count && sum, `${family}${k}: _count or _sum missing`);
      assert.equal(
        buckets[buckets.length - 1].value,
        count.value,
        `${family}${k}: +Inf bucket differs from _count`,
      );
      assert.ok(Number.isFinite(sum.value) && sum.value >= 0, `${family}${k}: _sum ${sum.value}`);
    }
  }
  return families;
}

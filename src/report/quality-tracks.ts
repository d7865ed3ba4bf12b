/**
 * The tracks of a peer's quality series (pure): one entry per stored stream
 * (`pc|direction|ssrc`), with its series, connection, SSRC, time span and
 * sample count, in series then time order. A series mixes several tracks when
 * the peer receives several participants through an SFU, sends simulcast
 * layers, had an SSRC replaced or a second connection (reload, ICE restart):
 * each per-sample row names its track (`track`), so a client draws one line
 * per track instead of one line zigzagging between them. Computed from the
 * chunk headers alone, so rows stored before rows carried `track` are listed
 * too (match them by `ssrc` within `start`..`end`).
 */

/** The chunk fields this needs. */
export interface TrackChunk {
  series: string;
  stream_key: string;
  first_ts: number;
  last_ts: number;
  n: number;
}

/** One track of the report's `quality_stats.tracks`. */
export interface QualityTrack {
  series: string;
  track: string;
  pc: string;
  ssrc: number | null;
  start: string;
  end: string;
  sample_count: number;
}

/** The tracks of `chunks`, ordered by series, first sample time and key. */
export function qualityTracks(chunks: readonly TrackChunk[]): QualityTrack[] {
  const byKey = new Map<
    string,
    { series: string; key: string; first: number; last: number; n: number }
  >();
  for (const c of chunks) {
    const id = `${c.series}\u0000${c.stream_key}`;
    const t = byKey.get(id);
    const first = Number(c.first_ts);
    const last = Number(c.last_ts);
    if (!t) byKey.set(id, { series: c.series, key: c.stream_key, first, last, n: Number(c.n) });
    else {
      t.first = Math.min(t.first, first);
      t.last = Math.max(t.last, last);
      t.n += Number(c.n);
    }
  }
  return [...byKey.values()]
    .sort((a, b) =>
      a.series < b.series
        ? -1
        : a.series > b.series
          ? 1
          : a.first - b.first || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    )
    .map((t) => {
      // The key is `pc|direction|ssrc`; a pc id may itself contain '|'.
      const parts = t.key.split('|');
      const ssrc = Number(parts.at(-1));
      return {
        series: t.series,
        track: t.key,
        pc: parts.slice(0, -2).join('|'),
        ssrc: Number.isFinite(ssrc) && parts.length >= 3 ? ssrc : null,
        start: new Date(t.first).toISOString(),
        end: new Date(t.last).toISOString(),
        sample_count: t.n,
      };
    });
}

/**
 * Puts the stored rows of one quality series in time order without parsing
 * them (pure). A series holds several streams when a peer has several
 * connections (a page reload, an ICE restart with a new RTCPeerConnection) or
 * receives several tracks of one kind (an SFU call, simulcast layers, an SSRC
 * replaced mid-call); chunks are stored per stream, so concatenated in storage
 * order the array would go back in time at each new stream.
 *
 * Chunks whose time spans overlap no chunk of another stream are kept whole,
 * in time order: a reload's two connections follow each other and cost
 * nothing more than a sort of their few chunks. Only where streams run at the
 * same time are their chunks cut into rows (a byte scan that follows JSON
 * strings, so no value can fake a row boundary) and merged by each row's
 * `timestamp`, an ISO string whose text order is its time order.
 */

/** The fields of a stored chunk this needs. */
export interface OrderableChunk {
  stream_key: string;
  first_ts: number;
  last_ts: number;
  id: number;
  rows_json: Buffer;
}

const COMMA = Buffer.from(',');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const TIMESTAMP_KEY = Buffer.from('"timestamp":"');
/** Length of `Date.prototype.toISOString()` text (`YYYY-MM-DDTHH:mm:ss.sssZ`). */
const ISO_LENGTH = 24;

/** One row of a chunk: its byte range and its time (ISO text, comparable as a string). */
interface RowSlice {
  start: number;
  end: number;
  time: string;
}

/** Whether the quote at `at` is escaped (preceded by an odd number of backslashes). */
function isEscaped(buf: Buffer, at: number): boolean {
  let n = 0;
  while (buf[at - 1 - n] === BACKSLASH) n++;
  return n % 2 === 1;
}

/** The rows of a comma-joined run of JSON objects, with their `timestamp`; a row without one takes the previous row's time. */
export function splitRows(buf: Buffer): RowSlice[] {
  const rows: RowSlice[] = [];
  let depth = 0;
  let rowStart = 0;
  let time = '';
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      // Jump to the closing quote (native search): one not preceded by an odd run of backslashes.
      let q = buf.indexOf(QUOTE, i + 1);
      while (q > 0 && isEscaped(buf, q)) q = buf.indexOf(QUOTE, q + 1);
      if (q < 0) break;
      i = q;
    } else if (c === OPEN_BRACE) {
      if (depth === 0) rowStart = i;
      depth++;
    } else if (c === CLOSE_BRACE) {
      depth--;
      if (depth === 0) {
        // The key text `"timestamp":"` cannot occur inside a JSON string (its quotes would be escaped),
        // and the rows have no nested `timestamp` key before the row's own.
        const at = buf.indexOf(TIMESTAMP_KEY, rowStart);
        if (at >= 0 && at < i)
          time = buf.toString(
            'latin1',
            at + TIMESTAMP_KEY.length,
            at + TIMESTAMP_KEY.length + ISO_LENGTH,
          );
        rows.push({ start: rowStart, end: i + 1, time });
      }
    }
  }
  return rows;
}

/** Merges streams that run at the same time, row by row (each stream's rows are already in time order). */
function mergeRows(streams: OrderableChunk[][], out: Buffer[]): void {
  const cursors = streams.map((chunks) => {
    const rows: (RowSlice & { buf: Buffer })[] = [];
    for (const c of chunks)
      for (const r of splitRows(c.rows_json))
        rows.push({ buf: c.rows_json, start: r.start, end: r.end, time: r.time });
    return { rows, at: 0 };
  });
  for (;;) {
    let best = -1;
    for (let s = 0; s < cursors.length; s++) {
      const c = cursors[s];
      if (c.at >= c.rows.length) continue;
      // Ties keep stream order, so the same stored data always gives the same bytes.
      if (best < 0 || c.rows[c.at].time < cursors[best].rows[cursors[best].at].time) best = s;
    }
    if (best < 0) return;
    const row = cursors[best].rows[cursors[best].at++];
    if (out.length) out.push(COMMA);
    out.push(row.buf.subarray(row.start, row.end));
  }
}

/**
 * The rows of one series' chunks in time order, as buffer pieces to join
 * (commas included, no brackets). `chunks` are the series' chunks in any order.
 */
export function rowsInTimeOrder(chunks: readonly OrderableChunk[]): Buffer[] {
  // (Times and ids may come from the driver as numeric strings.)
  const sorted = chunks
    .filter((c) => c.rows_json.length > 0)
    .sort(
      (a, b) =>
        Number(a.first_ts) - Number(b.first_ts) ||
        (a.stream_key < b.stream_key ? -1 : a.stream_key > b.stream_key ? 1 : 0) ||
        Number(a.id) - Number(b.id),
    );
  const out: Buffer[] = [];
  let i = 0;
  while (i < sorted.length) {
    // A cluster: chunks that overlap in time, directly or through each other.
    let end = Number(sorted[i].last_ts);
    let j = i + 1;
    let oneStream = true;
    while (j < sorted.length && Number(sorted[j].first_ts) <= end) {
      if (sorted[j].stream_key !== sorted[i].stream_key) oneStream = false;
      end = Math.max(end, Number(sorted[j].last_ts));
      j++;
    }
    if (oneStream) {
      for (let k = i; k < j; k++) {
        if (out.length) out.push(COMMA);
        out.push(sorted[k].rows_json);
      }
    } else {
      const byStream = new Map<string, OrderableChunk[]>();
      for (let k = i; k < j; k++) {
        const list = byStream.get(sorted[k].stream_key);
        if (list) list.push(sorted[k]);
        else byStream.set(sorted[k].stream_key, [sorted[k]]);
      }
      const keys = [...byStream.keys()].sort();
      mergeRows(
        keys.map((k) => byStream.get(k)!),
        out,
      );
    }
    i = j;
  }
  return out;
}

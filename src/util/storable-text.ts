/**
 * Text that a store cannot keep. PostgreSQL refuses U+0000 in `text` and
 * `jsonb` (`invalid byte sequence for encoding "UTF8": 0x00`) where SQLite
 * stores it, and a lone UTF-16 surrogate has no UTF-8 form at all (each
 * driver silently turns it into U+FFFD). Both are refused at the edge, the
 * same on both stores, with a 400 naming the field: in JSON bodies (keys and
 * values), query parameters and path segments.
 */

/** U+0000, or a surrogate half without its other half. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * In JSON text, the only ways to write such a character: the `\u0000` escape,
 * a surrogate escape (valid pairs too: the precise check decides), or a raw
 * NUL (which JSON.parse refuses anyway). Raw surrogates cannot occur in text
 * decoded from UTF-8. A cheap scan that lets almost every body skip the walk.
 */
const MAYBE_UNSTORABLE_JSON = /\\u(?:0000|[dD][89a-fA-F])|\u0000/;

/** Why `s` cannot be stored, or undefined when it can. */
export function unstorableReason(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? 'text must not contain U+0000 (NUL)'
    : 'text must not contain a lone UTF-16 surrogate (invalid Unicode)';
}

/**
 * The first string (object key or value) of a parsed JSON value that cannot
 * be stored: its field path (`samples[3].pc`, like the validators name
 * fields) and why.
 */
export function findUnstorableText(
  value: unknown,
  path = '',
): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    const why = unstorableReason(value);
    return why ? { field: path || 'body', message: why } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const field = path ? `${path}.${k}` : k;
      const why = unstorableReason(k);
      if (why)
        return {
          field: path ? `${path}.${JSON.stringify(k)}` : 'body',
          message: `key ${why.replace(/^text /, '')}`,
        };
      const found = findUnstorableText(v, field);
      if (found) return found;
    }
  }
  return undefined;
}

/** Like {@link findUnstorableText}, for a value parsed from `jsonText`: skips the walk when the text cannot hold such a character. */
export function findUnstorableInParsedJson(
  jsonText: string,
  value: unknown,
): { field: string; message: string } | undefined {
  return MAYBE_UNSTORABLE_JSON.test(jsonText) ? findUnstorableText(value) : undefined;
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** `s` with every character a store cannot keep replaced by U+FFFD (for recordings, which are taken as they are). */
export function scrubUnstorable(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, '\uFFFD') : s;
}

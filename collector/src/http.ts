/** The two ways the collector talks to the server: a normal JSON POST and a page-hide send. */

/** Outcome of one request: `status` 0 means the request did not complete (network error, timeout). */
export interface HttpResult {
  status: number;
  body?: unknown;
}

/** Bodies at least this long are gzipped when the browser has CompressionStream (~5× fewer bytes). */
const GZIP_MIN_CHARS = 2048;

/** gzip through the browser's CompressionStream, or undefined where there is none. */
async function gzip(json: string): Promise<ArrayBuffer | undefined> {
  if (typeof CompressionStream !== 'function') return undefined;
  try {
    return await new Response(
      new Blob([json]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
  } catch {
    return undefined;
  }
}

/** POSTs JSON with the participant token (gzipped when large and supported); never rejects. */
export async function postJson(
  url: string,
  token: string,
  json: string,
  timeoutMs: number,
): Promise<HttpResult> {
  const ctrl = typeof AbortController === 'function' ? new AbortController() : undefined;
  const timer = ctrl ? setTimeout(() => ctrl.abort(), timeoutMs) : undefined;
  try {
    const zipped = json.length >= GZIP_MIN_CHARS ? await gzip(json) : undefined;
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    };
    if (zipped) headers['content-encoding'] = 'gzip';
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: zipped ?? json,
      signal: ctrl?.signal,
      credentials: 'omit',
      // A request still in flight when the page goes away is allowed to finish.
      keepalive: (zipped ? zipped.byteLength : json.length) < 60_000,
    });
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch {
    return { status: 0 };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Sends while the page is going away: a `keepalive` fetch that needs no CORS
 * preflight (`text/plain`, token in the query), or `navigator.sendBeacon`
 * when `beacon` is set (the caller switches once the ~64 KB keepalive quota
 * is used up) or fetch is refused. Fire and forget; returns whether the
 * browser accepted the request.
 */
export function sendOnPageHide(url: string, token: string, json: string, beacon: boolean): boolean {
  const target = `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;
  if (!beacon) {
    try {
      void fetch(target, {
        method: 'POST',
        body: json,
        keepalive: true,
        credentials: 'omit',
        headers: { 'content-type': 'text/plain' },
      }).catch(() => {});
      return true;
    } catch {
      // keepalive unsupported: try a beacon.
    }
  }
  try {
    return navigator.sendBeacon(target, new Blob([json], { type: 'text/plain' }));
  } catch {
    return false;
  }
}

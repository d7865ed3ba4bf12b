/** POSTs JSON with a bearer token to a test server; fails the test on a non-2xx answer; returns the envelope's `data`. */
import assert from 'node:assert/strict';

export async function postJson(
  url: string,
  token: string,
  body: unknown,
): Promise<Record<string, any>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${url}: ${res.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { data: Record<string, any> }).data;
}

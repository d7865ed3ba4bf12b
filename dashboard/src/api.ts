/**
 * The dashboard reads the same RealtimeKit-compatible API as the SDKs, on the
 * origin that serves it, with the API token the operator pastes in (kept in
 * this tab's sessionStorage only).
 */
export interface Credentials {
  accountId: string;
  token: string;
}

const KEY = 'peer-report-dashboard';

/** Credentials of this tab, if set. */
export function loadCredentials(): Credentials | undefined {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Credentials) : undefined;
}

/** Remembers credentials for this tab. */
export function saveCredentials(c: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(c));
}

/** Forgets them. */
export function clearCredentials(): void {
  sessionStorage.removeItem(KEY);
}

/** An API error with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GET `path` under `/client/v4/accounts/{account}/realtime/kit`; returns the envelope's body. */
export async function apiGet<T = any>(c: Credentials, path: string): Promise<T> {
  const res = await fetch(
    `/client/v4/accounts/${encodeURIComponent(c.accountId)}/realtime/kit${path}`,
    { headers: { authorization: `Bearer ${c.token}` } },
  );
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body?.errors?.[0]?.message ?? `HTTP ${res.status}`);
  return body as T;
}

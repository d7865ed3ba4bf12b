/** The two official SDK majors, pointed at a test server. */
import Cloudflare from 'cloudflare';
import Cloudflare6 from 'cloudflare6';

/** 7.x client (no retries, so error tests see the first answer). */
export function sdk7(baseURL: string, apiToken: string): Cloudflare {
  return new Cloudflare({ apiToken, baseURL, maxRetries: 0 });
}

/** 6.x client. */
export function sdk6(baseURL: string, apiToken: string): Cloudflare6 {
  return new Cloudflare6({ apiToken, baseURL, maxRetries: 0 });
}

export { Cloudflare, Cloudflare6 };

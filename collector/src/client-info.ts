/** Who the client is: user agent, client hints, CPU, memory, WebGL. */
import type { ClientHints, ClientInfo } from '../../src/model/telemetry.ts';

interface UADataLike {
  brands?: { brand: string; version: string }[];
  mobile?: boolean;
  platform?: string;
  getHighEntropyValues?(hints: string[]): Promise<Record<string, unknown>>;
}

/** `true`/`false` when a WebGL context can (not) be created, `null` outside a document. */
export function webglSupport(): boolean | null {
  try {
    if (typeof document === 'undefined') return null;
    const canvas = document.createElement('canvas');
    return !!(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

/** Low- and high-entropy client hints (Chromium only; `undefined` elsewhere). */
async function clientHints(): Promise<ClientHints | undefined> {
  const ua = (navigator as unknown as { userAgentData?: UADataLike }).userAgentData;
  if (!ua) return undefined;
  const hints: ClientHints = { brands: ua.brands, mobile: ua.mobile, platform: ua.platform };
  try {
    const h = await ua.getHighEntropyValues?.([
      'platformVersion',
      'architecture',
      'model',
      'fullVersionList',
    ]);
    if (h) {
      if (Array.isArray(h.fullVersionList))
        hints.full_version_list = h.fullVersionList as ClientHints['full_version_list'];
      if (typeof h.platformVersion === 'string') hints.platform_version = h.platformVersion;
      if (typeof h.architecture === 'string') hints.architecture = h.architecture;
      if (typeof h.model === 'string' && h.model) hints.model = h.model;
    }
  } catch {
    // High-entropy hints may be refused; the low-entropy ones are enough.
  }
  return hints;
}

/** What the SDK tells about itself (sent in `ClientInfo`). */
export interface SdkInfo {
  sdk_name?: string;
  sdk_version?: string;
  sdk_type?: string;
  room_view_type?: string;
}

/** Collects the `ClientInfo` of this browser. Never rejects. */
export async function collectClientInfo(sdk: SdkInfo): Promise<ClientInfo> {
  const nav = globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined;
  const info: ClientInfo = { ...sdk };
  if (!nav) return info;
  info.user_agent = nav.userAgent.slice(0, 1024);
  if (nav.hardwareConcurrency) info.cpus = nav.hardwareConcurrency;
  if (nav.deviceMemory) info.memory_gb = nav.deviceMemory;
  const hints = await clientHints();
  if (hints) info.client_hints = hints;
  info.is_mobile = hints?.mobile ?? /Mobi|Android|iPhone|iPad/i.test(nav.userAgent);
  info.webgl_support = webglSupport();
  return info;
}

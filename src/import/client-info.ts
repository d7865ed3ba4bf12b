/**
 * The `ClientInfo` a dump tells about its browser: user agent, client hints
 * (`UserAgentData` of webrtc-internals, `userAgentData` of rtcstats v3) and
 * device figures (`hardwareConcurrency`, `deviceMemory`).
 */
import type { ClientHints, ClientInfo } from '../model/telemetry.ts';

type BrandList = NonNullable<ClientHints['brands']>;

function brandList(value: unknown): BrandList | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = value
    .filter((b): b is { brand: unknown; version: unknown } => typeof b === 'object' && b !== null)
    .filter((b) => typeof b.brand === 'string' && typeof b.version === 'string')
    .map((b) => ({
      brand: String(b.brand).slice(0, 256),
      version: String(b.version).slice(0, 256),
    }));
  return list.length > 0 ? list.slice(0, 16) : undefined;
}

/**
 * Client hints from `navigator.userAgentData` as dumped: either the object
 * (`{brands, fullVersionList, mobile, platform}`) or, in Chrome 138-141
 * webrtc-internals dumps, the bare brand list with full versions.
 */
export function clientHintsFrom(value: unknown): ClientHints | undefined {
  if (Array.isArray(value)) {
    const full = brandList(value);
    return full ? { full_version_list: full } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const hints: ClientHints = {};
  const brands = brandList(v.brands);
  if (brands) hints.brands = brands;
  const full = brandList(v.fullVersionList);
  if (full) hints.full_version_list = full;
  if (typeof v.mobile === 'boolean') hints.mobile = v.mobile;
  if (typeof v.platform === 'string' && v.platform !== '') hints.platform = v.platform;
  if (typeof v.platformVersion === 'string' && v.platformVersion !== '')
    hints.platform_version = v.platformVersion;
  if (typeof v.architecture === 'string' && v.architecture !== '')
    hints.architecture = v.architecture;
  if (typeof v.model === 'string' && v.model !== '') hints.model = v.model;
  return Object.keys(hints).length > 0 ? hints : undefined;
}

/** Merges what a dump says about its client; later facts fill gaps, never erase. */
export function mergeClientInfo(
  base: ClientInfo,
  extra: {
    userAgent?: unknown;
    userAgentData?: unknown;
    hardwareConcurrency?: unknown;
    deviceMemory?: unknown;
  },
): ClientInfo {
  const out: ClientInfo = { ...base };
  if (typeof extra.userAgent === 'string' && extra.userAgent !== '' && !out.user_agent)
    out.user_agent = extra.userAgent.slice(0, 1024);
  const hints = clientHintsFrom(extra.userAgentData);
  if (hints && !out.client_hints) out.client_hints = hints;
  if (hints?.mobile !== undefined && out.is_mobile === undefined) out.is_mobile = hints.mobile;
  const cpus = extra.hardwareConcurrency;
  if (
    typeof cpus === 'number' &&
    Number.isInteger(cpus) &&
    cpus >= 0 &&
    cpus <= 4096 &&
    out.cpus === undefined
  )
    out.cpus = cpus;
  const memory = extra.deviceMemory;
  if (
    typeof memory === 'number' &&
    Number.isFinite(memory) &&
    memory >= 0 &&
    out.memory_gb === undefined
  )
    out.memory_gb = memory;
  return out;
}

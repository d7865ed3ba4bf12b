/**
 * Turns what the client says about itself (user agent, client hints, device
 * figures) into report metadata. The user agent is parsed with ua-parser-js;
 * client hints, when sent, win over the (frozen, reduced) user agent string
 * because they carry the real platform version and full browser version.
 */
import { UAParser } from 'ua-parser-js';
import type { ClientInfo } from '../model/telemetry.ts';
import type { PeerClientMetadata } from '../model/peer-metadata.ts';

const GENERIC_BRANDS = /not.?a.?brand|chromium/i;

/** Derives browser/device metadata from a client description. Absent facts stay absent. */
export function clientMetadata(client: ClientInfo | undefined): PeerClientMetadata {
  const out: PeerClientMetadata = { browser_metadata: {}, device_info: {} };
  if (!client) return out;
  const b = out.browser_metadata;
  const d = out.device_info;
  if (client.user_agent) {
    const ua = new UAParser(client.user_agent).getResult();
    b.user_agent = client.user_agent;
    if (ua.browser.name) b.browser = ua.browser.name;
    if (ua.browser.version) b.browser_version = ua.browser.version;
    if (ua.engine.name) b.engine = ua.engine.name;
    if (ua.os.name) d.os = ua.os.name;
    if (ua.os.version) d.os_version = ua.os.version;
    if (ua.device.type) d.is_mobile = ua.device.type === 'mobile' || ua.device.type === 'tablet';
    if (ua.device.model) d.model = ua.device.model;
  }
  const hints = client.client_hints;
  if (hints) {
    const list = hints.full_version_list ?? hints.brands;
    const brand =
      list?.find((x) => !GENERIC_BRANDS.test(x.brand)) ??
      list?.find((x) => /chromium/i.test(x.brand));
    if (brand) {
      b.browser = brand.brand === 'Google Chrome' ? 'Chrome' : brand.brand;
      if (hints.full_version_list) b.browser_version = brand.version;
      else if (!b.browser_version) b.browser_version = brand.version;
    }
    if (hints.platform) d.os = hints.platform === 'macOS' ? 'Mac OS' : hints.platform;
    if (hints.platform_version) d.os_version = hints.platform_version;
    if (hints.mobile !== undefined) d.is_mobile = hints.mobile;
    if (hints.model) d.model = hints.model;
    if (hints.architecture) d.architecture = hints.architecture;
  }
  if (client.cpus !== undefined) d.cpus = client.cpus;
  if (client.memory_gb !== undefined) d.memory_gb = client.memory_gb;
  if (client.is_mobile !== undefined) d.is_mobile = client.is_mobile;
  if (client.webgl_support !== undefined) b.webgl_support = client.webgl_support;
  if (client.sdk_name) out.sdk_name = client.sdk_name;
  if (client.sdk_version) out.sdk_version = client.sdk_version;
  if (client.sdk_type) out.sdk_type = client.sdk_type;
  if (client.room_view_type) out.room_view_type = client.room_view_type;
  if (client.native_audio_encoder || client.native_video_encoder) {
    out.native_metadata = {
      ...(client.native_audio_encoder ? { audio_encoder: client.native_audio_encoder } : {}),
      ...(client.native_video_encoder ? { video_encoder: client.native_video_encoder } : {}),
    };
  }
  return out;
}

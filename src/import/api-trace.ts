/**
 * Meaning of one recorded WebRTC API call or event (rtcstats `[method, pc, value]`
 * lines and webrtc-internals `updateLog` entries), as a list of actions for the
 * recording builder. Pure.
 */
import type { MediaDeviceInfoLite } from '../model/telemetry.ts';

/** Event names of state-change callbacks, keyed by canonical method. */
const STATE_EVENTS: Record<string, string> = {
  onsignalingstatechange: 'signaling_state_change',
  oniceconnectionstatechange: 'ice_connection_state_change',
  onconnectionstatechange: 'connection_state_change',
  onicegatheringstatechange: 'ice_gathering_state_change',
  ondtlsstatechange: 'dtls_state_change',
};

/**
 * Callbacks that webrtc-internals logged without the `on` prefix (lower case in
 * later Chrome, camel case in Chrome 86 and its neighbours: `iceConnectionStateChange`,
 * `onIceCandidate`, `onRenegotiationNeeded`...); matched case-insensitively.
 */
const UNPREFIXED = new Set([
  'signalingstatechange',
  'iceconnectionstatechange',
  'connectionstatechange',
  'icegatheringstatechange',
  'icecandidate',
  'icecandidateerror',
  'negotiationneeded',
  'track',
  'datachannel',
  'dtlsstatechange',
  'addstream',
  'removestream',
  'removetrack',
]);

/** Old spellings of the same callbacks. */
const RENAMED: Record<string, string> = { renegotiationneeded: 'negotiationneeded' };

/** The method name with the `on` prefix restored and webrtc-internals' `navigator.` prefixes kept as rtcstats writes them. */
export function canonicalMethod(method: string): string {
  const lower = method.toLowerCase();
  const bare = lower.startsWith('on') && !UNPREFIXED.has(lower) ? lower.slice(2) : lower;
  const callback = RENAMED[bare] ?? bare;
  if (UNPREFIXED.has(callback)) return `on${callback}`;
  if (
    method === 'getUserMedia' ||
    method === 'getUserMediaOnSuccess' ||
    method === 'getUserMediaOnFailure' ||
    method === 'getDisplayMedia' ||
    method === 'getDisplayMediaOnSuccess' ||
    method === 'getDisplayMediaOnFailure'
  ) {
    return `navigator.mediaDevices.${method}`;
  }
  return method;
}

/** An action for the recording builder. */
export type TraceAction =
  | { kind: 'event'; name: string; metadata?: Record<string, string | number | boolean | null> }
  | { kind: 'create'; iceServers?: string[]; iceTransportPolicy?: string }
  | { kind: 'role'; role: 'sfu' | 'p2p' }
  | { kind: 'sdp'; side: 'local' | 'remote'; sdp: string }
  | { kind: 'candidate'; side: 'local' | 'remote'; type: string; relayProtocol?: string }
  | { kind: 'close' }
  | { kind: 'display-track'; id: string }
  | { kind: 'selected-device'; device: MediaDeviceInfoLite }
  | { kind: 'devices'; devices: MediaDeviceInfoLite[] }
  | { kind: 'video-type'; ssrc: number; videoType: string };

function text(value: unknown, max = 2048): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `{type, sdp}` objects, and the legacy webrtc-internals text `type: offer, sdp: v=0...`. */
function sdpOf(value: unknown): string | undefined {
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sdp?: unknown }).sdp === 'string'
  ) {
    return (value as { sdp: string }).sdp;
  }
  if (typeof value === 'string') {
    const at = value.indexOf('sdp: ');
    if (at >= 0) return value.slice(at + 5);
    if (value.startsWith('v=0')) return value;
  }
  return undefined;
}

/** The `candidate:` line of an ICE candidate in any recorded spelling. */
function candidateLine(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null) {
    const c = (value as { candidate?: unknown }).candidate;
    return typeof c === 'string' && c !== '' ? c : undefined;
  }
  if (typeof value === 'string') {
    const at = value.indexOf('candidate:');
    return at >= 0 ? value.slice(at) : undefined;
  }
  return undefined;
}

/** ICE server URLs of an RTCConfiguration (credentials are dropped). */
export function iceServerUrls(config: unknown): string[] | undefined {
  if (typeof config === 'string') {
    // Pre-M117 webrtc-internals: `{ iceServers: [stun:a, turn:b], iceTransportPolicy: all, ... }` (not JSON).
    const match = /iceServers:\s*\[([^\]]*)\]/.exec(config);
    if (!match) return undefined;
    const urls = match[1]
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    return urls.length > 0 ? urls.slice(0, 32) : undefined;
  }
  if (typeof config !== 'object' || config === null) return undefined;
  const servers = (config as { iceServers?: unknown }).iceServers;
  if (!Array.isArray(servers)) return undefined;
  const urls: string[] = [];
  for (const server of servers) {
    const u =
      (server as { urls?: unknown; url?: unknown } | null)?.urls ??
      (server as { url?: unknown } | null)?.url;
    for (const url of Array.isArray(u) ? u : [u])
      if (typeof url === 'string') urls.push(url.slice(0, 1024));
  }
  return urls.length > 0 ? urls.slice(0, 32) : undefined;
}

function transportPolicy(config: unknown): string | undefined {
  if (typeof config === 'string') return /iceTransportPolicy:\s*"?(\w+)/.exec(config)?.[1];
  const p = (config as { iceTransportPolicy?: unknown } | null)?.iceTransportPolicy;
  return typeof p === 'string' ? p : undefined;
}

const TRACK_KIND_TO_DEVICE: Record<string, 'audioinput' | 'videoinput'> = {
  audio: 'audioinput',
  video: 'videoinput',
};

/** Tracks of a getUserMedia/getDisplayMedia success value: rtcstats `{id, tracks: [...]}` or rtcstats v3 `[[kind, trackId, streamId], ...]`. */
function mediaTracks(value: unknown): { id?: string; kind?: string; label?: string }[] {
  if (Array.isArray(value)) {
    return value.filter(Array.isArray).map((t) => ({
      kind: typeof t[0] === 'string' ? t[0] : undefined,
      id: typeof t[1] === 'string' ? t[1] : undefined,
    }));
  }
  const tracks = (value as { tracks?: unknown } | null)?.tracks;
  if (!Array.isArray(tracks)) return [];
  return tracks
    .filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null)
    .map((t) => ({
      id: typeof t.id === 'string' ? t.id : undefined,
      kind: typeof t.kind === 'string' ? t.kind : undefined,
      label: typeof t.label === 'string' ? t.label : undefined,
    }));
}

function errorText(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const v = value as { name?: unknown; message?: unknown };
    if (typeof v.name === 'string' || typeof v.message === 'string')
      return text([v.name, v.message].filter(Boolean).join(': '), 512);
  }
  return text(value, 512);
}

/** snake_case of a camelCase API name (`setRemoteDescriptionOnFailure` -> `set_remote_description_on_failure`). */
function snake(name: string): string {
  return name
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Methods read elsewhere (stats, client description) or recorded for the record only: known, so never reported as skipped. */
const KNOWN_WITHOUT_ACTION = new Set([
  'getstats',
  'getStats',
  'connectionInfo',
  'createAnswer',
  'createOfferOnSuccess',
  'createAnswerOnSuccess',
  'setLocalDescriptionOnSuccess',
  'setRemoteDescriptionOnSuccess',
  'addIceCandidateOnSuccess',
  'setConfiguration',
  'onnegotiationneeded',
  'ontrack',
  'ondatachannel',
  'onaddstream',
  'onremovestream',
  'onremovetrack',
  'addStream',
  'removeStream',
  'addTrack',
  'removeTrack',
  'addTransceiver',
  'createDataChannel',
  'transceiverAdded',
  'transceiverModified',
  'transceiverRemoved',
  'addTrackOnSuccess',
  'addTransceiverOnSuccess',
  'setCodecPreferences',
  'setHeaderExtensionsToNegotiate',
  'setParameters',
  'replaceTrack',
  'MediaStreamTrack.stop',
  'MediaStreamTrack.applyConstraints',
  'HTMLMediaElement.resize',
]);

/** Methods {@link interpretTrace} reads (whatever their value). */
const INTERPRETED = new Set([
  'create',
  'constraints',
  'createOffer',
  'restartIce',
  'setLocalDescription',
  'setRemoteDescription',
  'onicecandidate',
  'addIceCandidate',
  'onicecandidateerror',
  'close',
  'navigator.mediaDevices.getUserMedia',
  'navigator.mediaDevices.getDisplayMedia',
  'navigator.mediaDevices.getUserMediaOnSuccess',
  'navigator.mediaDevices.getDisplayMediaOnSuccess',
  'navigator.mediaDevices.getUserMediaOnFailure',
  'navigator.mediaDevices.getDisplayMediaOnFailure',
  'navigator.mediaDevices.enumerateDevices',
  'navigator.mediaDevices.ondevicechange',
  'MediaStreamTrack.onmute',
  'MediaStreamTrack.onunmute',
  'MediaStreamTrack.onended',
  'setVideoType',
]);

/** True when `method` (any recorded spelling) is one the importers read or knowingly pass over. */
export function isKnownTraceMethod(rawMethod: string): boolean {
  const method = canonicalMethod(rawMethod);
  return (
    STATE_EVENTS[method] !== undefined ||
    INTERPRETED.has(method) ||
    KNOWN_WITHOUT_ACTION.has(method) ||
    KNOWN_WITHOUT_ACTION.has(rawMethod) ||
    /OnFailure$/.test(method)
  );
}

/**
 * Interprets one API call/event. `value` is already decoded (JSON values as
 * objects); unknown methods produce no action.
 */
export function interpretTrace(rawMethod: string, value: unknown): TraceAction[] {
  const method = canonicalMethod(rawMethod);
  const stateEvent = STATE_EVENTS[method];
  if (stateEvent)
    return typeof value === 'string'
      ? [{ kind: 'event', name: stateEvent, metadata: { state: value } }]
      : [];
  switch (method) {
    case 'create': {
      const action: TraceAction = { kind: 'create' };
      const urls = iceServerUrls(value);
      if (urls) action.iceServers = urls;
      const policy = transportPolicy(value);
      if (policy) action.iceTransportPolicy = policy;
      return [action, { kind: 'event', name: 'pc_created' }];
    }
    case 'constraints': {
      // Jitsi tags its legs: `{optional: [{rtcStatsSFUP2P: true|false}]}`.
      const optional = (value as { optional?: unknown } | null)?.optional;
      if (Array.isArray(optional)) {
        for (const o of optional) {
          const flag = (o as { rtcStatsSFUP2P?: unknown } | null)?.rtcStatsSFUP2P;
          if (typeof flag === 'boolean') return [{ kind: 'role', role: flag ? 'p2p' : 'sfu' }];
        }
      }
      return [];
    }
    case 'createOffer': {
      const restart = (value as { iceRestart?: unknown } | null)?.iceRestart === true;
      return restart ? [{ kind: 'event', name: 'ice_restart' }] : [];
    }
    case 'restartIce':
      return [{ kind: 'event', name: 'ice_restart' }];
    case 'setLocalDescription':
    case 'setRemoteDescription': {
      const sdp = sdpOf(value);
      return sdp
        ? [{ kind: 'sdp', side: method === 'setLocalDescription' ? 'local' : 'remote', sdp }]
        : [];
    }
    case 'onicecandidate':
    case 'addIceCandidate': {
      const line = candidateLine(value);
      const type = line ? /\btyp (\w+)/.exec(line)?.[1] : undefined;
      if (!type) return [];
      const action: TraceAction = {
        kind: 'candidate',
        side: method === 'onicecandidate' ? 'local' : 'remote',
        type,
      };
      const relayProtocol = (value as { relayProtocol?: unknown } | null)?.relayProtocol;
      if (typeof relayProtocol === 'string') action.relayProtocol = relayProtocol;
      return [action];
    }
    case 'onicecandidateerror': {
      const v = (value ?? {}) as Record<string, unknown>;
      const metadata: Record<string, string | number | boolean | null> = {};
      for (const k of ['url', 'errorCode', 'errorText', 'address', 'port'] as const) {
        const x = v[k];
        if (typeof x === 'string' || typeof x === 'number')
          metadata[snake(k)] = typeof x === 'string' ? text(x, 512) : x;
      }
      return [{ kind: 'event', name: 'ice_candidate_error', metadata }];
    }
    case 'close':
      return [{ kind: 'close' }, { kind: 'event', name: 'pc_closed' }];
    case 'navigator.mediaDevices.getUserMedia':
    case 'navigator.mediaDevices.getDisplayMedia':
      return [
        {
          kind: 'event',
          name: snake(method.slice('navigator.mediaDevices.'.length)),
          metadata: { constraints: text(value) },
        },
      ];
    case 'navigator.mediaDevices.getUserMediaOnSuccess':
    case 'navigator.mediaDevices.getDisplayMediaOnSuccess': {
      const display = method.endsWith('getDisplayMediaOnSuccess');
      const tracks = mediaTracks(value);
      const actions: TraceAction[] = [
        {
          kind: 'event',
          name: display ? 'get_display_media_success' : 'get_user_media_success',
          metadata: {
            tracks: text(
              tracks.map((t) => `${t.kind ?? '?'}:${t.label ?? t.id ?? ''}`).join(', '),
              2048,
            ),
          },
        },
      ];
      for (const t of tracks) {
        if (display && t.id) actions.push({ kind: 'display-track', id: t.id });
        const deviceKind = t.kind ? TRACK_KIND_TO_DEVICE[t.kind] : undefined;
        if (!display && deviceKind && (t.label || t.id)) {
          const device: MediaDeviceInfoLite = { kind: deviceKind };
          if (t.label) device.label = t.label.slice(0, 256);
          actions.push({ kind: 'selected-device', device });
        }
      }
      return actions;
    }
    case 'navigator.mediaDevices.getUserMediaOnFailure':
    case 'navigator.mediaDevices.getDisplayMediaOnFailure':
      return [
        {
          kind: 'event',
          name: method.endsWith('getUserMediaOnFailure')
            ? 'get_user_media_failure'
            : 'get_display_media_failure',
          metadata: { error: errorText(value) },
        },
      ];
    case 'navigator.mediaDevices.enumerateDevices': {
      if (!Array.isArray(value)) return [];
      const devices = value
        .filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null)
        .map((d) => {
          const device: MediaDeviceInfoLite = {};
          if (typeof d.deviceId === 'string' && d.deviceId !== '')
            device.device_id = d.deviceId.slice(0, 256);
          if (typeof d.kind === 'string') device.kind = d.kind;
          if (typeof d.label === 'string' && d.label !== '') device.label = d.label.slice(0, 256);
          if (typeof d.groupId === 'string' && d.groupId !== '')
            device.group_id = d.groupId.slice(0, 256);
          return device;
        });
      return [{ kind: 'devices', devices }];
    }
    case 'navigator.mediaDevices.ondevicechange':
      return [{ kind: 'event', name: 'device_change' }];
    case 'MediaStreamTrack.onmute':
      return [{ kind: 'event', name: 'track_muted', metadata: { track: text(value, 256) } }];
    case 'MediaStreamTrack.onunmute':
      return [{ kind: 'event', name: 'track_unmuted', metadata: { track: text(value, 256) } }];
    case 'MediaStreamTrack.onended':
      return [{ kind: 'event', name: 'track_ended', metadata: { track: text(value, 256) } }];
    case 'setVideoType': {
      // Jitsi: `{ssrc, videoType: 'camera' | 'desktop'}` for a local video source.
      const v = (value ?? {}) as { ssrc?: unknown; videoType?: unknown };
      return typeof v.ssrc === 'number' && typeof v.videoType === 'string'
        ? [{ kind: 'video-type', ssrc: v.ssrc, videoType: v.videoType }]
        : [];
    }
    default:
      if (/OnFailure$/.test(method))
        return [
          {
            kind: 'event',
            name: snake(method).replace(/_on_failure$/, '_failure'),
            metadata: { error: errorText(value) },
          },
        ];
      return [];
  }
}

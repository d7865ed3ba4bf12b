/** One line of advice per issue kind, written for the person holding the support ticket. */
import type { IssueKind } from './types.ts';

/** Advice by kind. */
export const ADVICE: Readonly<Record<IssueKind, string>> = {
  packet_loss:
    'Check the network of the side named in the attribution: move closer to the Wi-Fi access point or use a wired connection, and stop large downloads or uploads during calls.',
  high_rtt:
    'Use a server or TURN region closer to the participants, and avoid VPNs and satellite or congested mobile links.',
  jitter:
    'Jitter comes from a congested or radio link: prefer a wired connection and pause other traffic on the same network.',
  bandwidth_limited:
    'The uplink could not carry the video: lower the sent resolution or frame rate, or use a faster connection.',
  cpu_limited:
    'The device was too busy to encode video: close other applications or tabs, enable hardware encoding, or send a lower resolution.',
  video_freeze:
    "Freezes follow loss or a starved decoder: fix the loss on the attributed side, or lower the sender's resolution.",
  audio_concealment:
    'Audio was patched over missing packets: fix the loss or jitter on the attributed side.',
  no_media_received:
    "Media stopped arriving while the connection stayed up: check the sender's device and uplink, and firewalls between the peers.",
  ice_failed:
    'No network path was found: configure a TURN server reachable over TCP/TLS 443 for networks that block UDP.',
  ice_disconnected:
    'The connection dropped for a while: look for network switches (Wi-Fi to mobile), sleeping devices or an unstable link.',
  ice_restart:
    'The connection was re-established after a network change; repeated restarts point to an unstable network.',
  relay_over_tcp:
    'UDP is blocked on this network, so media went through TURN over TCP/TLS, which suffers more from loss: allow UDP to the TURN/SFU ports if possible.',
  device_problem:
    'Check camera and microphone permissions, that no other application holds the device, and the cable or Bluetooth link.',
  precall_predicted:
    'The precall test already saw this network problem: act on its result before joining (switch network or warn the user).',
};

/**
 * Network conditions for synthetic calls. Each profile gives the baseline and
 * the chance and shape of degradation episodes, so a simulated call goes good
 * → bad → good like real ones do.
 */

/** Parameters of one network condition. */
export interface CallProfile {
  name: string;
  /** Round-trip time in ms: baseline and random spread. */
  rttMs: number;
  rttSpreadMs: number;
  /** Jitter in ms. */
  jitterMs: number;
  /** Baseline packet loss (0..1). */
  loss: number;
  /** Per-interval chance that a degradation episode starts, its length (intervals) and loss/RTT during it. */
  episodeChance: number;
  episodeLength: number;
  episodeLoss: number;
  episodeExtraRttMs: number;
  /** Video sending parameters. */
  videoWidth: number;
  videoHeight: number;
  videoFps: number;
  videoBitrate: number;
  /** Local and remote ICE candidate types. */
  localCandidate: 'host' | 'srflx' | 'relay';
  remoteCandidate: 'host' | 'srflx' | 'relay';
  networkType: string;
  /** Video encoder limitation during episodes. */
  limitation: 'bandwidth' | 'cpu' | 'none';
}

/** The four built-in profiles. */
export const CALL_PROFILES: Record<string, CallProfile> = {
  clean: {
    name: 'clean',
    rttMs: 20,
    rttSpreadMs: 4,
    jitterMs: 3,
    loss: 0,
    episodeChance: 0,
    episodeLength: 0,
    episodeLoss: 0,
    episodeExtraRttMs: 0,
    videoWidth: 1280,
    videoHeight: 720,
    videoFps: 30,
    videoBitrate: 1_500_000,
    localCandidate: 'host',
    remoteCandidate: 'host',
    networkType: 'ethernet',
    limitation: 'none',
  },
  'lossy-wifi': {
    name: 'lossy-wifi',
    rttMs: 60,
    rttSpreadMs: 25,
    jitterMs: 18,
    loss: 0.02,
    episodeChance: 0.04,
    episodeLength: 8,
    episodeLoss: 0.15,
    episodeExtraRttMs: 120,
    videoWidth: 960,
    videoHeight: 540,
    videoFps: 25,
    videoBitrate: 900_000,
    localCandidate: 'srflx',
    remoteCandidate: 'host',
    networkType: 'wifi',
    limitation: 'bandwidth',
  },
  'congested-4g': {
    name: 'congested-4g',
    rttMs: 160,
    rttSpreadMs: 80,
    jitterMs: 35,
    loss: 0.03,
    episodeChance: 0.06,
    episodeLength: 10,
    episodeLoss: 0.3,
    episodeExtraRttMs: 400,
    videoWidth: 640,
    videoHeight: 360,
    videoFps: 20,
    videoBitrate: 450_000,
    localCandidate: 'srflx',
    remoteCandidate: 'host',
    networkType: 'cellular',
    limitation: 'bandwidth',
  },
  relay: {
    name: 'relay',
    rttMs: 90,
    rttSpreadMs: 15,
    jitterMs: 8,
    loss: 0.005,
    episodeChance: 0.01,
    episodeLength: 5,
    episodeLoss: 0.05,
    episodeExtraRttMs: 60,
    videoWidth: 1280,
    videoHeight: 720,
    videoFps: 30,
    videoBitrate: 1_200_000,
    localCandidate: 'relay',
    remoteCandidate: 'host',
    networkType: 'ethernet',
    limitation: 'cpu',
  },
};

/** Profile names, for usage messages. */
export const PROFILE_NAMES = Object.keys(CALL_PROFILES);

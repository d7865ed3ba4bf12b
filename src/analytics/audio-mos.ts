/**
 * Audio MOS from network figures, with the E-model.
 *
 * Two methods:
 * - `itu-g107.2-fb@1` (default): the ITU-T G.107.2 fullband E-model, for Opus
 *   (and RED, which carries Opus in WebRTC) and for any unknown codec clocked at
 *   48 kHz. This is variant F of quality-scoring.md §2.1, with one deliberate
 *   change: the one-way delay includes the jitter-buffer delay (see below).
 * - `itu-g107-nb@1`: the narrowband G.107 E-model (R0 = 93.2) for G.711
 *   (PCMU/PCMA) and G.722.
 *
 * One-way (mouth-to-ear) delay used for Idd, in milliseconds:
 *   Ta = rtt/2 + buffer + packetisation
 * - rtt/2: network one-way delay, assuming a symmetric path (LiveKit and
 *   rtcscore make the same assumption, quality-scoring.md §2.1 L/R).
 * - buffer: the receiver's jitter-buffer delay per emitted sample
 *   (`jitterBufferDelay / jitterBufferEmittedCount`, per interval) when known;
 *   otherwise 2 × interarrival jitter, the usual estimate of the buffer a
 *   receiver needs (Twilio/LiveKit use 2·jitter, §2.1 T/L); otherwise 0, and
 *   `inputs.buffer_source` says `none`.
 * - packetisation: 20 ms, the Opus frame size used by WebRTC (RFC 7587 §4.2
 *   recommends 20 ms ptime; libwebrtc's default). Codec look-ahead and
 *   capture/playout device latency are not visible in getStats() and are left
 *   out, so Ta is a lower bound of the true mouth-to-ear delay.
 *
 * Required inputs: `rtt_ms` and `loss_pct`. Without either there is no score
 * (`missing` lists them). `bitrate_bps`, `fec` and `dtx` are recorded in
 * `inputs` but do not change the score in this version: no ITU table that we
 * could verify gives Opus Ie/Bpl per bitrate or with in-band FEC.
 */
import { delayImpairmentIdd, effectiveEquipmentImpairment, mosFromR } from './e-model.ts';
import { clamp, finite, finiteNonNegative, round, type MosResult } from './mos-result.ts';

export type { MosResult } from './mos-result.ts';

/** Network and codec figures for one interval of one audio stream. */
export interface AudioMosInput {
  /** Codec name or mime type (`audio/opus`, `opus`, `PCMU`...). */
  codec?: string;
  /** Codec clock rate in Hz; picks the fullband model for unknown 48 kHz codecs. */
  clock_rate?: number;
  /** Round-trip time, ms. Required. */
  rtt_ms?: number;
  /** Interarrival jitter, ms (used only when no jitter-buffer figure is given). */
  jitter_ms?: number;
  /** Packet loss in percent (0..100) for the interval. Required. */
  loss_pct?: number;
  /** Jitter-buffer delay per emitted sample, ms, for the interval. */
  jitter_buffer_delay_ms?: number;
  bitrate_bps?: number;
  fec?: boolean;
  dtx?: boolean;
  /** Packetisation (frame) time in ms; defaults to 20. */
  packetization_ms?: number;
}

/** Method id of the fullband model. */
export const AUDIO_METHOD_FULLBAND = 'itu-g107.2-fb@1';
/** Method id of the narrowband model. */
export const AUDIO_METHOD_NARROWBAND = 'itu-g107-nb@1';

/** Default packetisation time, ms (RFC 7587 §4.2: 20 ms Opus frames). */
const DEFAULT_PACKETIZATION_MS = 20;

/** G.107.2 (06/2019) clause 7.2: basic signal-to-noise ratio of the FB scale, Ro,FB = 148. */
const RO_FB = 148;
/**
 * G.107.2 Annex A: MOS is computed from R = R_FB / 1.48 with the G.107
 * Annex B curve. The same factor scales the narrowband delay impairment into
 * the FB scale (G.107.2 clause 7.4: Id,FB = 1.48 · Id), as in variant F.
 */
const FB_SCALE = 1.48;
/**
 * Ceiling of Ie,eff,FB as loss grows: Ie,eff,FB = Ie + (132 − Ie)·Ppl/(Ppl + Bpl).
 * 132 is the value used by webrtcmetrics `computeFullEModelScore` (variant F,
 * quality-scoring.md §2.1), transcribed from G.107.2 clause 7.5. We could not
 * check it against the Recommendation's text in this repository; it reproduces
 * the §2.4 column F exactly, and changing it is a method-version bump.
 */
const IE_EFF_CEILING_FB = 132;
/** G.107 (06/2015) clause 7.7: with all parameters at their defaults, R = 93.2. */
const R0_NB = 93.2;
/** G.107 (06/2015) clause 7.5, eq. (7-29): Ie,eff ceiling of the narrowband scale. */
const IE_EFF_CEILING_NB = 95;

interface CodecProfile {
  method: string;
  codec: string;
  fullband: boolean;
  ie: number;
  bpl: number;
  /** Where Ie/Bpl come from, copied into `inputs.constants`. */
  constants: string;
}

/**
 * Opus on the fullband scale: Ie,FB = 10.2, Bpl = 9.6, the values variant F
 * uses with the source comment "G.113 Amend 3". G.113 tabulates Opus per
 * bitrate; these are the figures for Opus in its common VoIP range and are not
 * adjusted for the bitrate actually in use (recorded in `inputs` only).
 */
const OPUS: Omit<CodecProfile, 'codec'> = {
  method: AUDIO_METHOD_FULLBAND,
  fullband: true,
  ie: 10.2,
  bpl: 9.6,
  constants: 'G.107.2 FB; Opus Ie=10.2 Bpl=9.6 (G.113 Amd. 3 per webrtcmetrics)',
};

/**
 * G.711 on the narrowband scale: Ie = 0 (G.113 Appendix I, Table I.1) and
 * Bpl = 25.1 for G.711 with packet-loss concealment under random loss
 * (G.113 Appendix I, Table I.3; without PLC it is 4.3). Browsers always
 * conceal G.711 losses (libwebrtc NetEq), hence the PLC row.
 */
const G711: Omit<CodecProfile, 'codec'> = {
  method: AUDIO_METHOD_NARROWBAND,
  fullband: false,
  ie: 0,
  bpl: 25.1,
  constants: 'G.107 NB; G.711 Ie=0 (G.113 Tab. I.1) Bpl=25.1 with PLC (G.113 Tab. I.3)',
};

/**
 * G.722 is a wideband codec and G.113 gives it no narrowband Ie/Bpl. On the
 * narrowband scale it is at least as good as G.711 inside 300–3400 Hz, so we
 * score it with the G.711 row and say so in `inputs.constants`. A G.107.1
 * wideband score would need a G.722 Bpl,WB that we could not verify.
 */
const G722: Omit<CodecProfile, 'codec'> = {
  ...G711,
  constants: 'G.107 NB; G.722 scored with the G.711+PLC row (no NB values for G.722 in G.113)',
};

/** Lower-case codec name without the `audio/` prefix. */
function codecName(codec: string | undefined): string | undefined {
  if (codec === undefined) return undefined;
  const trimmed = codec.trim().toLowerCase();
  if (trimmed === '') return undefined;
  return trimmed.startsWith('audio/') ? trimmed.slice(6) : trimmed;
}

/** Picks the model and constants for a codec; undefined when we have none. */
function codecProfile(
  codec: string | undefined,
  clockRate: number | undefined,
): CodecProfile | undefined {
  const name = codecName(codec);
  if (name === undefined) {
    // WebRTC's mandatory-to-implement audio codecs are Opus and G.711
    // (RFC 7874 §3); a missing name with a 48 kHz clock, or no clue at all,
    // is Opus in practice. The assumption is recorded in `inputs.codec`.
    if (clockRate === undefined || clockRate === 48000) return { ...OPUS, codec: 'opus (assumed)' };
    if (clockRate === 8000) return { ...G711, codec: 'pcmu/pcma (assumed from 8 kHz clock)' };
    return undefined;
  }
  if (name === 'opus' || name === 'multiopus' || name === 'red') return { ...OPUS, codec: name };
  if (name === 'pcmu' || name === 'pcma') return { ...G711, codec: name };
  if (name === 'g722') return { ...G722, codec: name };
  if (clockRate === 48000)
    return { ...OPUS, codec: `${name} (unknown codec at 48 kHz: Opus constants)` };
  return undefined;
}

/**
 * Scores one interval of one audio stream with the ITU-T E-model.
 * Returns no `mos` (with `missing` and `reason`) when RTT or loss is unknown.
 */
export function audioMos(input: AudioMosInput): MosResult {
  const inputs: Record<string, number | string | boolean> = {};
  const rtt = finiteNonNegative(input.rtt_ms);
  const lossRaw = finite(input.loss_pct);
  const loss = lossRaw === undefined ? undefined : clamp(lossRaw, 0, 100);
  const jitter = finiteNonNegative(input.jitter_ms);
  const jb = finiteNonNegative(input.jitter_buffer_delay_ms);
  const bitrate = finiteNonNegative(input.bitrate_bps);
  const ptime = finiteNonNegative(input.packetization_ms) ?? DEFAULT_PACKETIZATION_MS;

  if (rtt !== undefined) inputs.rtt_ms = rtt;
  if (loss !== undefined) inputs.loss_pct = loss;
  if (jitter !== undefined) inputs.jitter_ms = jitter;
  if (jb !== undefined) inputs.jitter_buffer_delay_ms = jb;
  if (bitrate !== undefined) inputs.bitrate_bps = bitrate;
  if (input.fec !== undefined) inputs.fec = input.fec;
  if (input.dtx !== undefined) inputs.dtx = input.dtx;

  const profile = codecProfile(input.codec, finite(input.clock_rate));
  if (profile === undefined) {
    if (input.codec !== undefined) inputs.codec = input.codec;
    return {
      method: 'unsupported-codec',
      inputs,
      reason: `no E-model constants for codec ${input.codec ?? '(unknown)'} at ${input.clock_rate ?? '?'} Hz`,
    };
  }
  inputs.codec = profile.codec;
  // The constants are identified by `method` (documented in docs/quality-model.md) and shown in `impairments` (Ie, Bpl).

  const missing: string[] = [];
  if (rtt === undefined) missing.push('rtt_ms');
  if (loss === undefined) missing.push('loss_pct');
  if (missing.length > 0) {
    return {
      method: profile.method,
      inputs,
      missing,
      reason:
        `no score: ${missing.join(' and ')} unavailable for this interval` +
        (rtt === undefined
          ? ' (no RTT from remote-inbound-rtp, remote-outbound-rtp or the candidate pair)'
          : '') +
        (loss === undefined ? ' (no packet counters, or no packets in the interval)' : '') +
        '; a missing input is never assumed to be 0',
    };
  }

  let buffer: number;
  if (jb !== undefined) {
    buffer = jb;
    inputs.buffer_source = 'jitter_buffer';
  } else if (jitter !== undefined) {
    buffer = 2 * jitter;
    inputs.buffer_source = '2x_jitter';
  } else {
    buffer = 0;
    inputs.buffer_source = 'none';
  }
  inputs.packetization_ms = ptime;

  const ta = (rtt as number) / 2 + buffer + ptime;
  const idd = delayImpairmentIdd(ta);
  const ppl = loss as number;

  if (profile.fullband) {
    const iddFb = FB_SCALE * idd;
    const ieEff = effectiveEquipmentImpairment(profile.ie, ppl, profile.bpl, IE_EFF_CEILING_FB);
    // G.107.2 clause 7.1 with Is,FB = 0 and A = 0 (defaults, clause 7.7), and
    // no echo terms (Idte = Idle = 0: browsers run acoustic echo cancellation).
    const rFb = RO_FB - iddFb - ieEff;
    const r = clamp(rFb / FB_SCALE, 0, 100);
    return {
      mos: round(mosFromR(r), 2),
      method: profile.method,
      inputs,
      impairments: {
        Ta: round(ta, 3),
        Idd: round(iddFb, 3),
        Ie: profile.ie,
        Bpl: profile.bpl,
        Ie_eff: round(ieEff, 3),
        R_FB: round(rFb, 3),
        R: round(r, 3),
      },
    };
  }

  const ieEff = effectiveEquipmentImpairment(profile.ie, ppl, profile.bpl, IE_EFF_CEILING_NB);
  // G.107 eq. (7-1) with the default Ro − Is = 93.2 and A = 0.
  const r = clamp(R0_NB - idd - ieEff, 0, 100);
  return {
    mos: round(mosFromR(r), 2),
    method: profile.method,
    inputs,
    impairments: {
      Ta: round(ta, 3),
      Idd: round(idd, 3),
      Ie: profile.ie,
      Bpl: profile.bpl,
      Ie_eff: round(ieEff, 3),
      R: round(r, 3),
    },
  };
}

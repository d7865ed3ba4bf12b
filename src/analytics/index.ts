/** Pure call-quality analytics: MOS models, per-interval derivation and aggregates. No I/O. */
export {
  audioMos,
  AUDIO_METHOD_FULLBAND,
  AUDIO_METHOD_NARROWBAND,
  type AudioMosInput,
} from './audio-mos.ts';
export { videoMos, VIDEO_METHOD, type VideoMosInput } from './video-mos.ts';
export type { MosResult } from './mos-result.ts';
export type { MetricRow } from './metric-row.ts';
export {
  deriveInterval,
  ROW_SCHEMA_KEYS,
  ROW_ADDITIVE_KEYS,
  type DerivedSample,
  type DeriveOptions,
} from './stream-interval.ts';
export { cumulativeFor } from './cumulative.ts';
export {
  degradationEpisodes,
  worstWindowMos,
  type DegradationEpisode,
  type EpisodeKind,
} from './episodes.ts';
export { percentile, percentileOfSorted } from './percentile.ts';
export { qualitySummary } from './quality-summary.ts';

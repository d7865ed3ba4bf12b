/** Public surface of the shared `getStats()` normaliser (browser-safe). */
export { normalizeStatsReport } from './normalize-stats-report.ts';
export { canonicalCandidateType, candidateInfo } from './candidate-pairs.ts';
export { canonicalType, listStats } from './stat-index.ts';
export type {
  BrowserFamily,
  NormalizedStats,
  NormalizeOptions,
  RawStat,
  RawStatsReport,
  ScreenshareProbe,
  TransportSummary,
} from './types.ts';

/**
 * What `peer.qualityReport` says about a finished peer's quality: the report's
 * summary and, from the diagnosis engine, a verdict and the top issues.
 *
 * This is the one connection point for the diagnosis: until an engine is
 * wired in here, `verdict` is null and `issues` empty. It runs inside the
 * transaction that stores the peer's final aggregates, so it receives them
 * rather than reading the report again.
 */
import type { QualityAggregates } from '../analytics/quality-aggregates.ts';
import type { PeerQualityDescription } from './event-payloads.ts';

/** What the description is made from. */
export interface PeerQualityInput {
  peerId: string;
  /** The finished peer's aggregates, as stored with it. */
  aggregates: QualityAggregates;
}

/** The summary, verdict and top issues of a finished peer, for `peer.qualityReport`. */
export async function describePeerForWebhook(
  input: PeerQualityInput,
): Promise<PeerQualityDescription> {
  return { summary: input.aggregates.summary, verdict: null, issues: [] };
}

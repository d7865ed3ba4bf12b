/**
 * peer-report browser collector: add it next to your RTCPeerConnections.
 *
 * ```js
 * const collector = startCollector({ server, token });
 * collector.observe(pc, { role: 'sfu' });
 * await collector.leave();
 * ```
 */
export { PeerReportCollector, startCollector } from './collector.ts';
export type { CollectorError, CollectorOptions, CollectorStats, TrackInfo } from './collector.ts';
export type { ObserveOptions } from './observed-pc.ts';
export type { BatchAck, JoinResult } from './uploader.ts';
export { runPrecallTest } from './precall.ts';
export type { PrecallOptions } from './precall.ts';
export { SDK_NAME, SDK_VERSION } from './version.ts';

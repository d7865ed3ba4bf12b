/** The row type of `peer_report_bodies` (migration 055): finished peers' reports, stored compressed. */

/** One finished peer's report in one content coding, its end left open (src/api/open-compressed-body.ts). */
export interface PeerReportBodiesTable {
  peer_id: string;
  /** Which report: the sections and options it was asked with (the route's key). */
  variant: string;
  /** `br` or `gzip`. */
  coding: string;
  /** The peer's version when it was made (`peerVersion().stamp`): another stamp means stale. */
  stamp: string;
  /** The packed open compressed body. */
  body: Buffer;
  /** Epoch ms when stored. */
  stored_at: number;
}

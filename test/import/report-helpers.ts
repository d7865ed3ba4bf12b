/** Reading imported peers back through the official SDK, and summing their report rows. */
import type { TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';

/** The parts of the peer report these tests read (the SDK types it loosely). */
export interface ImportedReport {
  id: string;
  session_id: string;
  joined_at?: string;
  left_at?: string;
  duration?: number;
  status?: string;
  source?: string;
  peer_report: {
    metadata: {
      browser_metadata?: { browser?: string; browser_version?: string; user_agent?: string };
      device_info?: { os?: string; os_version?: string; cpus?: number };
      candidate_pairs?: { producing_transport?: PairRow[]; consuming_transport?: PairRow[] };
      pc_metadata?: {
        pc: string;
        role?: string;
        relay_connectivity?: boolean;
        turn_connectivity?: boolean;
        reflexive_connectivity?: boolean;
      }[];
      events?: {
        name: string;
        timestamp: string;
        metadata?: Record<string, string | number | boolean | null>;
      }[];
      selected_device_updates?: { device?: { kind?: string; label?: string } }[];
    };
    quality: Record<string, QualityRow[] | Record<string, unknown>>;
  };
}

export interface PairRow {
  pc: string;
  id: string;
  selected?: boolean;
  state?: string;
  local_candidate_type?: string;
  remote_candidate_type?: string;
  local_candidate_protocol?: string;
  local_candidate_port?: number;
  remote_candidate_port?: number;
  bytes_sent?: number;
  bytes_received?: number;
}

export interface QualityRow {
  ssrc?: number;
  packets_sent?: number;
  packets_received?: number;
  packets_lost?: number;
  counter_reset?: boolean;
}

/** The full report of a peer, read with the 7.x SDK. */
export async function readReport(t: TestServer, peerId: string): Promise<ImportedReport> {
  const cf = sdk7(t.baseURL, t.token);
  const res = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(peerId, {
    account_id: t.accountId,
    app_id: t.appId,
  });
  if (!res.success || !res.data?.participant) throw new Error(`no report for ${peerId}`);
  return res.data.participant as unknown as ImportedReport;
}

/** Per (direction, ssrc): packets and packets lost summed over every interval row of the report. */
export function totalsBySsrc(
  report: ImportedReport,
): Map<string, { packets: number; lost: number; media: string }> {
  const out = new Map<string, { packets: number; lost: number; media: string }>();
  for (const [series, rows] of Object.entries(report.peer_report.quality)) {
    if (!Array.isArray(rows)) continue;
    const direction = series.endsWith('_producer') ? 'producer' : 'consumer';
    const media = series.replace(/_(producer|consumer)$/, '');
    for (const row of rows) {
      if (row.ssrc === undefined) continue;
      const key = `${direction}|${row.ssrc}`;
      const entry = out.get(key) ?? { packets: 0, lost: 0, media };
      entry.packets += (direction === 'producer' ? row.packets_sent : row.packets_received) ?? 0;
      entry.lost += row.packets_lost ?? 0;
      out.set(key, entry);
    }
  }
  return out;
}

/** All candidate pairs of the report, each once. */
export function pairsOf(report: ImportedReport): PairRow[] {
  const cp = report.peer_report.metadata.candidate_pairs ?? {};
  const seen = new Map<string, PairRow>();
  for (const p of [...(cp.producing_transport ?? []), ...(cp.consuming_transport ?? [])])
    seen.set(`${p.pc}|${p.id}`, p);
  return [...seen.values()];
}

/** Events of one PC, in order. */
export function eventsOf(report: ImportedReport, pc: string): { name: string; state?: string }[] {
  return (report.peer_report.metadata.events ?? [])
    .filter((e) => e.metadata?.pc === pc)
    .map((e) => ({
      name: e.name,
      state: typeof e.metadata?.state === 'string' ? e.metadata.state : undefined,
    }));
}

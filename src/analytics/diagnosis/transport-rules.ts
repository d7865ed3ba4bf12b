/**
 * Connection rules from the peer's events and selected candidate pairs:
 * ICE failed, disconnected and restarted, and relay over TCP/TLS.
 */
import { ADVICE } from './advice.ts';
import { DISCONNECTED } from './thresholds.ts';
import type { DiagnosisInput, DiagnosisStream, Issue, Severity } from './types.ts';

const STATE_EVENTS = new Set(['ice_connection_state_change', 'connection_state_change']);

function stateOf(e: { name: string; metadata?: Record<string, unknown> }): string | undefined {
  if (STATE_EVENTS.has(e.name))
    return typeof e.metadata?.state === 'string' ? e.metadata.state : undefined;
  if (e.name === 'pc_closed') return 'closed';
  return undefined;
}

function carriedMedia(streams: readonly DiagnosisStream[], pc: string | undefined): boolean {
  return streams.some(
    (s) => (pc === undefined || s.pc !== pc) && s.intervals.some((i) => (i.packets ?? 0) > 0),
  );
}

function connectionIssue(
  kind: 'ice_failed' | 'ice_disconnected' | 'ice_restart',
  severity: Severity,
  start: number,
  end: number,
  pc: string | undefined,
  metric: string,
  value: number,
  reason: string,
): Issue {
  return {
    kind,
    severity,
    start,
    end,
    streams: pc === undefined ? [] : [{ key: `${pc}|*` }],
    evidence: {
      metric,
      worst: value,
      typical: value,
      threshold: kind === 'ice_disconnected' ? 0 : 1,
      samples: 1,
      ...(pc === undefined ? {} : { detail: { pc } }),
    },
    attribution: {
      cause: 'network_path',
      confidence: kind === 'ice_failed' ? 'medium' : 'low',
      reason,
    },
    advice: ADVICE[kind],
  };
}

/** ICE failed / disconnected / restarted issues. */
export function iceIssues(input: DiagnosisInput): Issue[] {
  const out: Issue[] = [];
  const byPc = new Map<string, { ts: number; state: string }[]>();
  for (const e of input.events) {
    if (e.name === 'ice_restart') {
      out.push(
        connectionIssue(
          'ice_restart',
          'fair',
          e.ts,
          e.ts,
          e.pc,
          'ice_restarts',
          1,
          'an ICE restart follows a network change or a lost path; the events alone do not say which side moved',
        ),
      );
      continue;
    }
    const state = stateOf(e);
    if (state === undefined) continue;
    const pc = e.pc ?? '';
    let list = byPc.get(pc);
    if (!list) byPc.set(pc, (list = []));
    list.push({ ts: e.ts, state });
  }
  const end =
    input.leftAt ??
    Math.max(
      input.joinedAt,
      ...input.streams.flatMap((s) =>
        s.intervals.length ? [s.intervals[s.intervals.length - 1].t] : [],
      ),
    );
  for (const [pcKey, states] of byPc) {
    const pc = pcKey === '' ? undefined : pcKey;
    states.sort((a, b) => a.ts - b.ts);
    let connected = false;
    let downSince: number | undefined;
    let failedReported = false;
    for (const s of states) {
      if (s.state === 'connected' || s.state === 'completed') {
        if (downSince !== undefined) {
          const ms = s.ts - downSince;
          if (ms >= 1000) out.push(disconnectedIssue(downSince, s.ts, pc));
          downSince = undefined;
        }
        connected = true;
      } else if (s.state === 'disconnected') {
        downSince ??= s.ts;
      } else if (s.state === 'failed' && !failedReported) {
        failedReported = true;
        const elsewhere = carriedMedia(input.streams, pc);
        const severity: Severity = elsewhere ? 'fair' : 'bad';
        const reason = connected
          ? 'the connection was lost and ICE could not find a path again'
          : `no candidate pair ever connected${elsewhere ? '; media went through another connection of this peer' : ''}`;
        out.push(
          connectionIssue(
            'ice_failed',
            severity,
            downSince ?? s.ts,
            s.ts,
            pc,
            'failed_connections',
            1,
            reason,
          ),
        );
        downSince = undefined;
      } else if (s.state === 'closed') {
        if (downSince !== undefined && s.ts - downSince >= 1000)
          out.push(disconnectedIssue(downSince, s.ts, pc));
        downSince = undefined;
      }
    }
    if (downSince !== undefined && end - downSince >= 1000)
      out.push(disconnectedIssue(downSince, end, pc));
  }
  return out;
}

function disconnectedIssue(start: number, end: number, pc: string | undefined): Issue {
  const ms = end - start;
  const severity: Severity =
    ms >= DISCONNECTED.badMs ? 'bad' : ms >= DISCONNECTED.poorMs ? 'poor' : 'fair';
  return connectionIssue(
    'ice_disconnected',
    severity,
    start,
    end,
    pc,
    'disconnected_s',
    Math.round(ms / 100) / 10,
    "ICE lost its path for a while; the events alone do not say which side's network dropped",
  );
}

/** Relay-over-TCP/TLS issues: a selected pair whose local candidate reaches TURN over TCP or TLS, or uses ICE-TCP. */
export function relayIssues(input: DiagnosisInput): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const p of input.transports) {
    const relayTcp =
      p.localCandidateType === 'relay' && (p.relayProtocol === 'tcp' || p.relayProtocol === 'tls');
    const iceTcp = p.localProtocol === 'tcp';
    if ((!relayTcp && !iceTcp) || seen.has(p.pc)) continue;
    seen.add(p.pc);
    const rows = input.streams.filter((s) => s.pc === p.pc).flatMap((s) => s.intervals);
    const start = rows.length ? Math.min(...rows.map((r) => r.t)) : p.ts;
    const end = rows.length ? Math.max(...rows.map((r) => r.t)) : p.ts;
    const via = relayTcp ? `TURN over ${p.relayProtocol!.toUpperCase()}` : 'ICE-TCP';
    out.push({
      kind: 'relay_over_tcp',
      severity: 'fair',
      start,
      end,
      streams: [{ key: `${p.pc}|*` }],
      evidence: {
        metric: 'selected_pair_tcp',
        worst: 1,
        typical: 1,
        threshold: 1,
        samples: 1,
        detail: { pc: p.pc, via },
      },
      attribution: {
        cause: 'network_path',
        confidence: 'high',
        reason: `media went ${via}: this peer's network did not let UDP through, and TCP turns any loss into delay`,
      },
      advice: ADVICE.relay_over_tcp,
    });
  }
  return out;
}

/**
 * The label check of the SFU scenarios on hand-made diagnoses: the top issue
 * is taken in the engine's order (a cause before its symptom, severity, then length), and a label misses
 * on the kind, the direction, the cause, the blamed peer or a side that had to
 * stay clean.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiagnosisJson } from './support/sfu-call.ts';
import { labelMismatches, topIssue } from './support/sfu-label-check.ts';

type IssueJson = DiagnosisJson['issues'][number];

function issue(
  o: Partial<IssueJson> & { cause: string; peer_id?: string; s: number; e: number },
): IssueJson {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
  return {
    kind: o.kind ?? 'packet_loss',
    severity: o.severity ?? 'poor',
    direction: o.direction ?? 'receive',
    medium: o.medium ?? 'audio',
    start: t(o.s),
    end: t(o.e),
    streams: [],
    evidence: { metric: 'packet_loss_pct', worst: 12, typical: 10, threshold: 3, samples: 10 },
    attribution: { cause: o.cause, peer_id: o.peer_id, confidence: 'high', reason: 'test' },
  };
}

const diagnosis = (issues: IssueJson[]): DiagnosisJson => ({
  verdict: issues.length ? 'poor' : 'good',
  summary: '',
  compared_with: [],
  issues,
});
const names: Record<string, string> = { 'id-a': 'A', 'id-b': 'B' };
const nameOf = (id: string | undefined) => (id === undefined ? undefined : names[id]);

describe('SFU label check', () => {
  const blameA = issue({ cause: 'remote_peer', peer_id: 'id-a', s: 0, e: 20 });
  it('matches the top issue by severity, then length, a cause before the symptom it produced', () => {
    const shortBad = issue({
      kind: 'video_freeze',
      severity: 'bad',
      cause: 'server',
      s: 60,
      e: 65,
    });
    const longFair = issue({ kind: 'jitter', severity: 'fair', cause: 'server', s: 0, e: 50 });
    assert.equal(topIssue(diagnosis([blameA, longFair, shortBad]))?.kind, 'video_freeze');
    assert.equal(topIssue(diagnosis([longFair, blameA]))?.kind, 'packet_loss');
    const overlapping = issue({
      kind: 'video_freeze',
      severity: 'bad',
      cause: 'server',
      s: 0,
      e: 5,
    });
    assert.equal(topIssue(diagnosis([blameA, longFair, overlapping]))?.kind, 'jitter');
  });
  it('a matching diagnosis has no mismatch', () => {
    const label = {
      top: { kind: 'packet_loss', direction: 'receive', cause: 'remote_peer', peer: 'A' },
      clean: ['send'],
    } as const;
    assert.deepEqual(labelMismatches(diagnosis([blameA]), label, nameOf), []);
  });
  it('misses on the blamed peer, the cause, and a side that was not clean', () => {
    const label = {
      top: { kind: 'packet_loss', cause: 'remote_peer', peer: 'B' },
      clean: ['send'],
    } as const;
    const sendIssue = issue({
      direction: 'send',
      severity: 'fair',
      cause: 'own_uplink',
      s: 0,
      e: 5,
    });
    const misses = labelMismatches(diagnosis([blameA, sendIssue]), label, nameOf);
    assert.equal(misses.length, 2, JSON.stringify(misses));
    assert.match(misses[0], /blames A, expected B/);
    assert.match(misses[1], /send side not clean/);
    const downlink = issue({ cause: 'own_downlink', s: 0, e: 20 });
    assert.match(labelMismatches(diagnosis([downlink]), label, nameOf)[0], /cause own_downlink/);
  });
  it('a peer labelled without a top issue must have no issue at all', () => {
    assert.deepEqual(labelMismatches(diagnosis([]), { clean: ['send', 'receive'] }, nameOf), []);
    assert.equal(labelMismatches(diagnosis([blameA]), {}, nameOf).length, 1);
  });
});

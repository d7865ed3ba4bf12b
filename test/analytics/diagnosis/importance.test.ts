/** The order of issues: the cause before the symptom it produced, then severity, length, start. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  issuesByImportance,
  reportIssuesByImportance,
} from '../../../src/analytics/diagnosis/importance.ts';
import type { Issue, IssueKind, Severity } from '../../../src/analytics/diagnosis/types.ts';

function issue(
  kind: IssueKind,
  severity: Severity,
  start: number,
  end: number,
  more: Partial<Issue> = {},
): Issue {
  return {
    kind,
    severity,
    direction: 'receive',
    medium: 'audio',
    start,
    end,
    streams: [],
    evidence: {} as Issue['evidence'],
    attribution: { cause: 'network_path', confidence: 'low', reason: '' } as Issue['attribution'],
    advice: '',
    ...more,
  };
}

const kinds = (issues: readonly { kind: string }[]) => issues.map((i) => i.kind);

describe('importance', () => {
  it('puts the loss before the concealment it caused, at the same severity, even when shorter', () => {
    const loss = issue('packet_loss', 'poor', 0, 25_000);
    const concealment = issue('audio_concealment', 'poor', 0, 26_000);
    assert.deepEqual(kinds(issuesByImportance([concealment, loss])), [
      'packet_loss',
      'audio_concealment',
    ]);
  });

  it('puts a fair jitter before the poor freeze it overlaps, without changing either severity', () => {
    const jitter = issue('jitter', 'fair', 0, 23_000);
    const freeze = issue('video_freeze', 'poor', 10_000, 20_000, { medium: 'video' });
    const ordered = issuesByImportance([freeze, jitter]);
    assert.deepEqual(kinds(ordered), ['jitter', 'video_freeze']);
    assert.deepEqual(
      ordered.map((i) => i.severity),
      ['fair', 'poor'],
    );
  });

  it('does not tie a symptom to a cause at another time, in the other direction or from another peer', () => {
    const freeze = issue('video_freeze', 'poor', 30_000, 40_000, { medium: 'video' });
    for (const cause of [
      issue('jitter', 'fair', 0, 20_000),
      issue('jitter', 'fair', 30_000, 40_000, { direction: 'send' }),
      issue('jitter', 'fair', 30_000, 40_000, {
        attribution: { cause: 'remote_peer', peer_id: 'a', confidence: 'high', reason: '' },
      }),
    ]) {
      const withPeer =
        cause.attribution.peer_id === 'a'
          ? { ...freeze, attribution: { ...freeze.attribution, peer_id: 'b' } }
          : freeze;
      assert.deepEqual(
        kinds(issuesByImportance([cause, withPeer])),
        ['video_freeze', 'jitter'],
        `the freeze stays first against ${JSON.stringify(cause.attribution)} ${cause.direction} ${cause.start}`,
      );
    }
  });

  it('orders the rest by severity, then length, then start, for stored and report issues alike', () => {
    const a = issue('high_rtt', 'fair', 0, 10_000);
    const b = issue('relay_over_tcp', 'poor', 5_000, 6_000);
    const c = issue('ice_restart', 'fair', 0, 20_000);
    assert.deepEqual(kinds(issuesByImportance([a, b, c])), [
      'relay_over_tcp',
      'ice_restart',
      'high_rtt',
    ]);
    const json = [a, b, c].map((i) => ({
      ...i,
      start: new Date(i.start).toISOString(),
      end: new Date(i.end).toISOString(),
    }));
    assert.deepEqual(kinds(reportIssuesByImportance(json)), [
      'relay_over_tcp',
      'ice_restart',
      'high_rtt',
    ]);
  });
});

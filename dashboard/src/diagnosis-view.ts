/**
 * The diagnosis on the dashboard: the verdict and its sentence first, then
 * each issue with its time range, cause and advice, its evidence behind a
 * <details> toggle; and the issue time ranges of one stream, for its charts.
 */
import { h } from './dom.ts';

/** The report's diagnosis, as far as the dashboard reads it. */
export interface DiagnosisJson {
  verdict: string;
  summary: string;
  verdicts?: { send?: Record<string, string>; receive?: Record<string, string> };
  issues: IssueJson[];
  issues_truncated?: boolean;
}

/** One issue. */
export interface IssueJson {
  kind: string;
  severity: string;
  direction?: string;
  medium?: string;
  start: string;
  end: string;
  duration_s?: number;
  streams?: { key: string }[];
  evidence: {
    metric: string;
    worst: number;
    typical: number;
    threshold: number;
    samples: number;
    detail?: Record<string, unknown>;
  };
  attribution: {
    cause: string;
    peer_id?: string;
    confidence: string;
    reason: string;
    matched_by?: string;
  };
  advice: string;
}

/** A verdict as a coloured badge. */
export function verdictBadge(verdict: string | undefined): HTMLElement {
  return h('span', { class: `verdict verdict-${verdict ?? 'none'}` }, verdict ?? '—');
}

function clock(iso: string): string {
  return iso.slice(11, 19);
}

function evidenceTable(i: IssueJson): HTMLTableElement {
  const e = i.evidence;
  const rows: [string, unknown][] = [
    ['metric', e.metric],
    ['worst', e.worst],
    ['typical (median)', e.typical],
    ['threshold', e.threshold],
    ['samples', e.samples],
    ...Object.entries(e.detail ?? {}),
    ['cause', `${i.attribution.cause} (${i.attribution.confidence} confidence)`],
    ['why', i.attribution.reason],
    [
      'compared with',
      i.attribution.peer_id
        ? `${i.attribution.peer_id}${i.attribution.matched_by ? ` (matched by ${i.attribution.matched_by})` : ''}`
        : undefined,
    ],
    ['streams', (i.streams ?? []).map((s) => s.key).join(', ') || undefined],
  ];
  return h(
    'table',
    { class: 'facts evidence' },
    rows
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, String(v)))),
  );
}

/** The diagnosis section that opens the peer page. */
export function diagnosisSection(d: DiagnosisJson | undefined): HTMLElement {
  if (!d)
    return h('section', { class: 'diagnosis' }, h('p', {}, 'No diagnosis (no quality data).'));
  const directions = (['send', 'receive'] as const).flatMap((dir) =>
    Object.entries(d.verdicts?.[dir] ?? {}).map(([m, v]) =>
      h(
        'span',
        { class: 'direction-verdict', 'data-direction': dir, 'data-medium': m },
        `${m} ${dir === 'send' ? 'sent' : 'received'} `,
        verdictBadge(v),
      ),
    ),
  );
  return h(
    'section',
    { class: 'diagnosis' },
    h('p', { class: 'verdict-sentence' }, verdictBadge(d.verdict), ' ', d.summary),
    directions.length ? h('p', { class: 'direction-verdicts' }, directions) : null,
    d.issues.length
      ? h(
          'ol',
          { class: 'issues' },
          d.issues.map((i) =>
            h(
              'li',
              { class: `issue severity-${i.severity}`, 'data-kind': i.kind },
              h(
                'details',
                {},
                h(
                  'summary',
                  {},
                  verdictBadge(i.severity),
                  ' ',
                  h('strong', {}, i.kind.replace(/_/g, ' ')),
                  ` ${[i.medium, i.direction === 'send' ? 'sent' : i.direction === 'receive' ? 'received' : undefined].filter(Boolean).join(' ')} `,
                  h('time', {}, `${clock(i.start)}–${clock(i.end)}`),
                  ` · ${i.attribution.cause.replace(/_/g, ' ')}`,
                ),
                evidenceTable(i),
                h('p', { class: 'advice' }, i.advice),
              ),
            ),
          ),
        )
      : null,
    d.issues_truncated
      ? h('p', {}, 'More issues were found; the least important are not listed.')
      : null,
  );
}

/** Time ranges (epoch s) of the issues that concern a stream series such as `audio_consumer`. */
export function issueRangesFor(
  d: DiagnosisJson | undefined,
  series: string,
): { start: number; end: number; severity: string }[] {
  if (!d) return [];
  const direction = series.endsWith('_producer') ? 'send' : 'receive';
  const medium = series.startsWith('screenshare') ? 'screenshare' : series.split('_')[0];
  return d.issues
    .filter(
      (i) =>
        (i.direction === undefined || i.direction === direction) &&
        (i.medium === undefined || i.medium === medium),
    )
    .map((i) => ({
      start: Date.parse(i.start) / 1000,
      end: Date.parse(i.end) / 1000,
      severity: i.severity,
    }));
}

/** The dashboard's pages: sign-in, apps, sessions of an app, peers of a session, one peer's report. */
import { apiGet, saveCredentials, type Credentials } from './api.ts';
import { h, facts, fmt, pct } from './dom.ts';
import { drawStreamCharts, type SampleRow } from './charts.ts';
import {
  diagnosisSection,
  issueRangesFor,
  verdictBadge,
  type DiagnosisJson,
} from './diagnosis-view.ts';

const STREAMS = [
  'audio_producer',
  'audio_consumer',
  'video_producer',
  'video_consumer',
  'screenshare_audio_producer',
  'screenshare_audio_consumer',
  'screenshare_video_producer',
  'screenshare_video_consumer',
] as const;

/** Sign-in form: account id and API token. */
export function signIn(root: HTMLElement, onDone: () => void): void {
  const account = h('input', { name: 'account', placeholder: 'account id', required: '' });
  const token = h('input', {
    name: 'token',
    type: 'password',
    placeholder: 'API token',
    required: '',
  });
  const form = h(
    'form',
    { class: 'signin' },
    h('h1', {}, 'Sign in'),
    h('label', {}, 'Account ', account),
    h('label', {}, 'API token ', token),
    h('button', { type: 'submit' }, 'Open'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saveCredentials({ accountId: account.value.trim(), token: token.value.trim() });
    onDone();
  });
  root.replaceChildren(form);
}

/** Apps of the account. */
export async function appsPage(root: HTMLElement, c: Credentials): Promise<void> {
  const body = await apiGet(c, '/apps?per_page=100');
  root.replaceChildren(
    h('h1', {}, 'Apps'),
    h(
      'table',
      { class: 'list' },
      h(
        'tr',
        {},
        h('th', {}, 'name'),
        h('th', {}, 'id'),
        h('th', {}, 'created'),
        h('th', {}, 'sessions'),
      ),
      (body.data as { id: string; name: string; created_at: string }[]).map((a) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/apps/${a.id}` }, a.name)),
          h('td', { class: 'mono' }, a.id),
          h('td', {}, a.created_at),
          h(
            'td',
            {},
            h('a', { href: `#/apps/${a.id}/sessions`, class: 'sessions-link' }, 'sessions'),
          ),
        ),
      ),
    ),
  );
}

/** Sessions shown per page. */
export const SESSIONS_PER_PAGE = 25;

/** Sessions of an app, newest first, a page at a time; and a box to open a peer by its id. */
export async function sessionsPage(
  root: HTMLElement,
  c: Credentials,
  appId: string,
  pageNo = 1,
): Promise<void> {
  const body = await apiGet(
    c,
    `/${appId}/sessions?per_page=${SESSIONS_PER_PAGE}&page_no=${pageNo}`,
  );
  const sessions = body.data.sessions as Record<string, any>[];
  const total = Number(body.paging?.total_count ?? sessions.length);
  const pages = Math.max(1, Math.ceil(total / SESSIONS_PER_PAGE));
  const peerInput = h('input', {
    name: 'peer_id',
    placeholder: 'peer id',
    size: '38',
    class: 'mono',
    required: '',
  });
  const findPeer = h(
    'form',
    { class: 'find-peer' },
    h('label', {}, 'Open a peer ', peerInput),
    h('button', { type: 'submit' }, 'Open'),
  );
  findPeer.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/apps/${appId}/peers/${encodeURIComponent(peerInput.value.trim())}`;
  });
  const pageLink = (n: number, text: string, rel: string) =>
    h('a', { href: `#/apps/${appId}/page/${n}`, rel }, text);
  root.replaceChildren(
    h(
      'p',
      {},
      h('a', { href: '#/' }, 'apps'),
      ' / sessions · ',
      h('a', { href: `#/apps/${appId}`, class: 'quality-link' }, 'quality overview'),
    ),
    h('h1', {}, `Sessions (${total})`),
    findPeer,
    h(
      'table',
      { class: 'list' },
      h(
        'tr',
        {},
        ['started', 'meeting', 'status', 'participants (max)', 'minutes', 'worst verdict'].map(
          (t) => h('th', {}, t),
        ),
      ),
      sessions.map((s) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/apps/${appId}/sessions/${s.id}` }, s.started_at)),
          h('td', {}, s.meeting_display_name ?? s.associated_id),
          h('td', { class: `status-${String(s.status).toLowerCase()}` }, s.status),
          h('td', { class: 'num' }, s.max_concurrent_participants),
          h('td', { class: 'num' }, fmt(s.minutes_consumed, 1)),
          h(
            'td',
            { class: 'worst-verdict' },
            s.worst_verdict ? verdictBadge(s.worst_verdict) : '—',
          ),
        ),
      ),
    ),
    h(
      'nav',
      { class: 'pager' },
      pageNo > 1 ? pageLink(pageNo - 1, '← newer', 'prev') : null,
      h('span', { class: 'page-of' }, `page ${pageNo} of ${pages}`),
      pageNo < pages ? pageLink(pageNo + 1, 'older →', 'next') : null,
    ),
  );
}

/** Peers of a session. */
export async function sessionPage(
  root: HTMLElement,
  c: Credentials,
  appId: string,
  sessionId: string,
): Promise<void> {
  const body = await apiGet(c, `/${appId}/sessions/${sessionId}/participants?per_page=100`);
  const peers = body.data.participants as Record<string, any>[];
  root.replaceChildren(
    h(
      'p',
      {},
      h('a', { href: '#/' }, 'apps'),
      ' / ',
      h('a', { href: `#/apps/${appId}/sessions`, class: 'sessions-link' }, 'sessions'),
      ' / session',
    ),
    h('h1', {}, `Session ${sessionId}`),
    h(
      'table',
      { class: 'list' },
      h(
        'tr',
        {},
        ['participant', 'custom id', 'joined', 'left', 'minutes', 'verdict', 'top issue'].map((t) =>
          h('th', {}, t),
        ),
      ),
      peers.map((p) =>
        h(
          'tr',
          { 'data-peer': p.id },
          h('td', {}, h('a', { href: `#/apps/${appId}/peers/${p.id}` }, p.display_name ?? p.id)),
          h('td', {}, p.custom_participant_id),
          h('td', {}, p.joined_at),
          h('td', {}, p.left_at ?? 'live'),
          h('td', { class: 'num' }, fmt(p.duration, 1)),
          h(
            'td',
            { class: 'peer-verdict' },
            p.verdict ? verdictBadge(p.verdict) : p.status === 'LIVE' ? 'live' : '—',
          ),
          h('td', { class: 'top-issue' }, p.diagnosis_summary ?? ''),
        ),
      ),
    ),
  );
}

/** One peer's report: who, device, network, precall, events, and quality per stream with charts. */
export async function peerPage(
  root: HTMLElement,
  c: Credentials,
  appId: string,
  peerId: string,
): Promise<void> {
  const body = await apiGet(c, `/${appId}/sessions/peer-report/${peerId}?include_peer_events=true`);
  const p = body.data.participant as Record<string, any>;
  const meta = p.peer_report?.metadata ?? {};
  const quality = p.peer_report?.quality ?? {};
  const device = meta.device_info ?? {};
  const browser = meta.browser_metadata ?? {};
  const ip = meta.ip_information ?? {};
  const precall = p.peer_stats?.precall_network_information ?? {};
  const pairs = [
    ...(meta.candidate_pairs?.producing_transport ?? []),
    ...(meta.candidate_pairs?.consuming_transport ?? []),
  ] as Record<string, any>[];
  const events = (meta.events ?? []) as Record<string, any>[];
  const streams = STREAMS.filter((k) => Array.isArray(quality[k]) && quality[k].length > 0);
  const qstats = (p.quality_stats ?? {}) as Record<string, any>;
  // Per-stream averages and p90 (RTT and jitter in ms, loss in %) from quality_stats.
  const streamStats = new Map<string, Record<string, any>>(
    [...(qstats.audio_stats ?? []), ...(qstats.video_stats ?? [])].map((x: Record<string, any>) => [
      x.series,
      x,
    ]),
  );

  const diagnosis = p.diagnosis as DiagnosisJson | undefined;
  root.replaceChildren(
    h(
      'p',
      {},
      h('a', { href: '#/' }, 'apps'),
      ' / ',
      h('a', { href: `#/apps/${appId}/sessions`, class: 'sessions-link' }, 'sessions'),
      ' / ',
      h('a', { href: `#/apps/${appId}/sessions/${p.session_id}` }, 'session'),
      ' / peer',
    ),
    h('h1', {}, p.display_name ?? p.id),
    diagnosisSection(diagnosis),
    h(
      'section',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Participant'),
        facts([
          ['peer', p.id],
          ['custom id', p.custom_participant_id],
          ['role', p.role],
          ['joined', p.joined_at],
          ['left', p.left_at ?? 'live'],
          ['minutes', fmt(p.duration, 1)],
        ]),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Device'),
        facts([
          ['browser', [browser.browser, browser.browser_version].filter(Boolean).join(' ')],
          ['OS', [device.os, device.os_version].filter(Boolean).join(' ')],
          ['device', device.device_type],
          ['CPUs', device.cpus],
          [
            'WebGL',
            typeof browser.webgl_support === 'boolean'
              ? browser.webgl_support
                ? 'yes'
                : 'no'
              : undefined,
          ],
        ]),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Network'),
        facts([
          ['address', ip.ipv4 ?? ip.ip],
          ['city', [ip.city, ip.region, ip.country].filter(Boolean).join(', ')],
          ['ASN', ip.asn?.asn ?? ip.asn],
          ['network', ip.asn?.name ?? ip.org],
          ['timezone', ip.timezone],
        ]),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Precall test'),
        facts([
          ['RTT ms', precall.rtt ?? precall.RTT],
          ['jitter ms', precall.jitter],
          ['throughput kbps', precall.throughput ?? precall.network_quality?.throughput],
          ['loss', precall.fractional_loss],
          ['relay works', precall.relay_connectivity ?? precall.turn_connectivity],
        ]),
      ),
    ),
    h('h2', {}, 'Quality'),
    // The network's share first: a small camera picture lowers the MOS of a clean call (docs/quality-model.md).
    h(
      'p',
      { class: 'quality-overall' },
      `network quality ${fmt(qstats.average_network_quality)} · MOS ${fmt(qstats.average_quality)} (1–4.5)`,
    ),
    streams.length
      ? h(
          'table',
          { class: 'list quality-summary' },
          h(
            'tr',
            {},
            [
              'stream',
              'samples',
              'network',
              'MOS avg',
              'p50',
              'p90',
              'RTT avg ms',
              'RTT p90',
              'loss avg %',
              'loss p90',
              'jitter avg ms',
              'jitter p90',
              'loss ≥ 5 %',
              'RTT ≥ 250 ms',
            ].map((t) => h('th', {}, t)),
          ),
          streams.map((k) => {
            const cum = quality[`${k}_cumulative`] ?? {};
            const st = streamStats.get(k) ?? {};
            return h(
              'tr',
              { 'data-stream': k },
              h('td', {}, k.replace(/_/g, ' ')),
              h('td', { class: 'num' }, quality[k].length),
              h('td', { class: 'num network-avg' }, fmt(st.network_quality_avg)),
              h('td', { class: 'num mos-avg' }, fmt(cum.quality_mos?.avg)),
              h('td', { class: 'num' }, fmt(cum.quality_mos?.p50)),
              h('td', { class: 'num' }, fmt(cum.quality_mos?.p90)),
              h('td', { class: 'num rtt-avg' }, fmt(st.rtt_avg, 0)),
              h('td', { class: 'num rtt-p90' }, fmt(st.rtt_p90, 0)),
              h('td', { class: 'num loss-avg' }, fmt(st.loss_avg, 1)),
              h('td', { class: 'num loss-p90' }, fmt(st.loss_p90, 1)),
              h('td', { class: 'num jitter-avg' }, fmt(st.jitter_avg, 1)),
              h('td', { class: 'num jitter-p90' }, fmt(st.jitter_p90, 1)),
              h('td', { class: 'num' }, pct(cum.packet_loss?.['5_or_greater_event_fraction'])),
              h('td', { class: 'num' }, pct(cum.rtt?.['250ms_or_greater_event_fraction'])),
            );
          }),
        )
      : h('p', {}, 'No stream samples.'),
    ...streams.map((k) =>
      h('section', { class: 'stream', id: `stream-${k}` }, h('h3', {}, k.replace(/_/g, ' '))),
    ),
    h('h2', {}, 'Candidate pairs'),
    pairs.length
      ? h(
          'table',
          { class: 'list' },
          h(
            'tr',
            {},
            ['local', 'protocol', 'relay', 'remote', 'RTT ms'].map((t) => h('th', {}, t)),
          ),
          pairs.map((x) =>
            h(
              'tr',
              {},
              h('td', {}, x.local_candidate_type),
              h('td', {}, x.local_candidate_protocol),
              h('td', {}, x.local_candidate_relay_protocol),
              h('td', {}, x.remote_candidate_type),
              h('td', { class: 'num pair-rtt' }, fmt(x.current_round_trip_time, 0)),
            ),
          ),
        )
      : h('p', {}, 'No candidate pairs.'),
    h('h2', {}, `Events (${events.length})`),
    h(
      'ol',
      { class: 'events' },
      events
        .slice(0, 500)
        .map((e) => h('li', {}, h('time', {}, e.timestamp ?? ''), ' ', e.name ?? e.type ?? '')),
    ),
  );
  for (const k of streams)
    drawStreamCharts(
      root.querySelector(`#stream-${k}`) as HTMLElement,
      quality[k] as SampleRow[],
      issueRangesFor(diagnosis, k),
    );
}

/**
 * The quality overview of an app (the page an app opens on) and the peers
 * behind any of its figures, from `analytics/quality` and
 * `analytics/quality/peers`: trends by day (peers, MOS p50, share of poor and
 * bad peers), breakdowns by browser, OS, country, ASN and network, the top
 * issue kinds and the worst peers. Every count links to the peers behind it,
 * and every peer to its report. Plus a drop zone that imports a
 * webrtc-internals or rtcstats dump and opens the imported peer's report.
 */
import uPlot from 'uplot';
import { apiGet, ApiError, type Credentials } from './api.ts';
import { h, fmt, pct } from './dom.ts';

const BREAKDOWNS = ['browser', 'os', 'country', 'asn', 'network'] as const;

type Group = {
  key: string;
  peers: number;
  peer_minutes: number;
  audio_mos: { p10: number | null; p50: number | null; p90: number | null };
  video_mos: { p10: number | null; p50: number | null; p90: number | null };
  verdicts: Record<'good' | 'fair' | 'poor' | 'bad', number>;
  packet_loss: { p50: number | null; p90: number | null };
  rtt: { p50: number | null; p90: number | null };
  top_issues: { kind: string; peers: number }[];
  daily?: { day: string; peers: number; audio_mos_p50: number | null; poor_bad_share: number }[];
};

/** The hash of the peers list for `filters` (dimension → value, plus verdict / kind). */
export function peersHash(appId: string, filters: Record<string, string>): string {
  return `#/apps/${appId}/quality-peers/${new URLSearchParams(filters).toString()}`;
}

function link(href: string, text: string | number, cls?: string): HTMLAnchorElement {
  return h('a', { href, class: cls }, String(text));
}

/** The overview page of an app. */
export async function overviewPage(
  root: HTMLElement,
  c: Credentials,
  appId: string,
): Promise<void> {
  const [byDay, worst, ...breakdowns] = await Promise.all([
    apiGet(c, `/${appId}/analytics/quality?group_by=day`),
    apiGet(c, `/${appId}/analytics/quality/peers?per_page=10`),
    ...BREAKDOWNS.map((dim) =>
      apiGet(c, `/${appId}/analytics/quality?group_by=${dim}&limit=10&daily=true`),
    ),
  ]);
  const range = {
    start_date: byDay.data.start_date as string,
    end_date: byDay.data.end_date as string,
  };
  const days = byDay.data.groups as Group[];
  const overall = byDay.data.overall as Group;
  const trends = h('div', { class: 'trends' });
  root.replaceChildren(
    h(
      'p',
      {},
      h('a', { href: '#/' }, 'apps'),
      ' / ',
      h('a', { href: `#/apps/${appId}/sessions`, class: 'sessions-link' }, 'sessions'),
      ' / quality',
    ),
    h('h1', {}, `Quality, ${range.start_date} – ${range.end_date} (UTC)`),
    dropZone(c, appId),
    h(
      'p',
      { class: 'overall' },
      link(peersHash(appId, range), overall.peers, 'overall-peers'),
      ' peers, ',
      link(peersHash(appId, range), fmt(overall.peer_minutes, 0)),
      ' peer-minutes; audio MOS p50 ',
      link(peersHash(appId, range), fmt(overall.audio_mos.p50)),
      ', video MOS p50 ',
      link(peersHash(appId, range), fmt(overall.video_mos.p50)),
      '; ',
      link(
        peersHash(appId, { ...range, verdict: 'poor,bad' }),
        pct(overall.verdicts.poor + overall.verdicts.bad),
        'overall-poor-bad',
      ),
      ' poor or bad',
    ),
    trends,
    dayTable(appId, days),
    h('h2', {}, 'Top issues'),
    h(
      'table',
      { class: 'list issues' },
      h('tr', {}, h('th', {}, 'issue'), h('th', {}, 'peers')),
      overall.top_issues.map((i) =>
        h(
          'tr',
          {},
          h('td', {}, i.kind),
          h('td', { class: 'num' }, link(peersHash(appId, { ...range, kind: i.kind }), i.peers)),
        ),
      ),
    ),
    h('h2', {}, 'Worst peers'),
    peersTable(appId, worst.data.peers),
    ...BREAKDOWNS.flatMap((dim, i) => [
      h('h2', {}, `By ${dim}`),
      breakdownTable(appId, dim, breakdowns[i].data.groups as Group[], range),
    ]),
  );
  drawTrends(trends, days);
}

/** The trend figures by day as a table: every number links to the peers of its day. */
function dayTable(appId: string, days: Group[]): HTMLTableElement {
  return h(
    'table',
    { class: 'list by-day' },
    h(
      'tr',
      {},
      ['day (UTC)', 'peers', 'audio MOS p50', 'video MOS p50', 'poor + bad'].map((t) =>
        h('th', {}, t),
      ),
    ),
    days.map((d) => {
      const f = { start_date: d.key, end_date: d.key };
      return h(
        'tr',
        {},
        h('td', {}, d.key),
        h('td', { class: 'num' }, link(peersHash(appId, f), d.peers, 'day-peers')),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(d.audio_mos.p50))),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(d.video_mos.p50))),
        h(
          'td',
          { class: 'num' },
          link(
            peersHash(appId, { ...f, verdict: 'poor,bad' }),
            pct(d.verdicts.poor + d.verdicts.bad),
          ),
        ),
      );
    }),
  );
}

function breakdownTable(
  appId: string,
  dim: string,
  groups: Group[],
  range: Record<string, string>,
): HTMLTableElement {
  return h(
    'table',
    { class: `list breakdown breakdown-${dim}` },
    h(
      'tr',
      {},
      [
        dim,
        'peers',
        'minutes',
        'audio MOS p50',
        'by day',
        'video MOS p50',
        'poor + bad',
        'by day',
        'loss p90 %',
        'RTT p50 ms',
      ].map((t) => h('th', {}, t)),
    ),
    groups.map((g) => {
      const f = { ...range, [dim]: g.key };
      return h(
        'tr',
        {},
        h('td', {}, g.key),
        h('td', { class: 'num' }, link(peersHash(appId, f), g.peers)),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(g.peer_minutes, 0))),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(g.audio_mos.p50))),
        h(
          'td',
          { class: 'spark' },
          sparkline(
            (g.daily ?? []).map((d) => d.audio_mos_p50),
            1,
            5,
            `audio MOS p50 by day, ${g.key}`,
          ),
        ),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(g.video_mos.p50))),
        h(
          'td',
          { class: 'num' },
          link(
            peersHash(appId, { ...f, verdict: 'poor,bad' }),
            pct(g.verdicts.poor + g.verdicts.bad),
          ),
        ),
        h(
          'td',
          { class: 'spark' },
          sparkline(
            (g.daily ?? []).map((d) => (d.peers ? d.poor_bad_share : null)),
            0,
            1,
            `share of poor and bad peers by day, ${g.key}`,
          ),
        ),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(g.packet_loss.p90))),
        h('td', { class: 'num' }, link(peersHash(appId, f), fmt(g.rtt.p50, 0))),
      );
    }),
  );
}

function peersTable(appId: string, peers: Record<string, any>[]): HTMLTableElement {
  return h(
    'table',
    { class: 'list peers' },
    h(
      'tr',
      {},
      [
        'peer',
        'finished',
        'verdict',
        'audio MOS',
        'video MOS',
        'loss p50 %',
        'RTT p50 ms',
        'browser',
        'ASN',
        'network',
        'issues',
      ].map((t) => h('th', {}, t)),
    ),
    peers.map((p) =>
      h(
        'tr',
        {},
        h(
          'td',
          { class: 'mono' },
          link(`#/apps/${appId}/peers/${p.peer_id}`, String(p.peer_id).slice(0, 8), 'peer-link'),
        ),
        h('td', {}, p.finished_at),
        h('td', { class: `verdict-${p.verdict}` }, p.verdict),
        h('td', { class: 'num' }, fmt(p.audio_mos)),
        h('td', { class: 'num' }, fmt(p.video_mos)),
        h('td', { class: 'num' }, fmt(p.loss_p50)),
        h('td', { class: 'num' }, fmt(p.rtt_p50, 0)),
        h('td', {}, p.browser),
        h('td', {}, p.asn),
        h('td', {}, p.network),
        h('td', {}, (p.issues as string[]).join(', ')),
      ),
    ),
  );
}

/** A small inline SVG line of `values` (null: no point) between `min` and `max`. */
function sparkline(
  values: (number | null)[],
  min: number,
  max: number,
  title: string,
): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const width = 80;
  const height = 20;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values
    .map((v, i) =>
      v === null
        ? undefined
        : `${(i * step).toFixed(1)},${(height - 1 - ((v - min) / (max - min)) * (height - 2)).toFixed(1)}`,
    )
    .filter((p): p is string => p !== undefined);
  const line = document.createElementNS(NS, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#2563eb');
  svg.append(line);
  return svg;
}

/** Trend charts by day: peers; audio and video MOS p50; share of poor and bad peers. */
function drawTrends(into: HTMLElement, days: Group[]): void {
  const x = days.map((d) => Date.parse(`${d.key}T00:00:00Z`) / 1000);
  const charts: [string, uPlot.Series[], (number | null)[][]][] = [
    ['peers per day', [{ label: 'peers', stroke: '#2563eb' }], [days.map((d) => d.peers)]],
    [
      'MOS p50',
      [
        { label: 'audio', stroke: '#16a34a' },
        { label: 'video', stroke: '#9333ea' },
      ],
      [days.map((d) => d.audio_mos.p50), days.map((d) => d.video_mos.p50)],
    ],
    [
      'poor + bad peers',
      [{ label: 'share %', stroke: '#dc2626' }],
      [days.map((d) => (d.peers ? (d.verdicts.poor + d.verdicts.bad) * 100 : null))],
    ],
  ];
  for (const [title, series, data] of charts) {
    const box = h('div', { class: 'chart trend' });
    into.append(box);
    new uPlot(
      { title, width: 360, height: 180, scales: { x: { time: true } }, series: [{}, ...series] },
      [x, ...data] as uPlot.AlignedData,
      box,
    );
  }
}

/** The peers behind a figure: the list, worst first, a page at a time. */
export async function qualityPeersPage(
  root: HTMLElement,
  c: Credentials,
  appId: string,
  query: string,
  pageNo = 1,
): Promise<void> {
  const params = new URLSearchParams(query);
  params.set('per_page', '25');
  params.set('page_no', String(pageNo));
  const body = await apiGet(c, `/${appId}/analytics/quality/peers?${params.toString()}`);
  const total = Number(body.paging.total_count);
  const shown = [...new URLSearchParams(query).entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  root.replaceChildren(
    h(
      'p',
      {},
      h('a', { href: '#/' }, 'apps'),
      ' / ',
      h('a', { href: `#/apps/${appId}` }, 'quality'),
      ' / peers',
    ),
    h('h1', {}, `Peers (${total})`),
    h('p', { class: 'filters' }, shown),
    peersTable(appId, body.data.peers),
    h(
      'p',
      { class: 'paging' },
      pageNo > 1
        ? h(
            'a',
            { href: `#/apps/${appId}/quality-peers/${query}/${pageNo - 1}`, rel: 'prev' },
            '← previous',
          )
        : '',
      ` page ${pageNo} of ${Math.max(1, Math.ceil(total / 25))} `,
      pageNo * 25 < total
        ? h(
            'a',
            { href: `#/apps/${appId}/quality-peers/${query}/${pageNo + 1}`, rel: 'next' },
            'next →',
          )
        : '',
    ),
  );
}

/**
 * Drop (or pick) a webrtc-internals / rtcstats dump: uploads it to the import
 * API with upload progress, waits for the import, then opens the imported
 * peer's report. The API's error (413, 422, 403 for a read-only token) is shown as it is.
 */
function dropZone(c: Credentials, appId: string): HTMLElement {
  const input = h('input', {
    type: 'file',
    name: 'dump',
    accept: '.json,.gz,.txt,.log,application/json,application/gzip',
  });
  const progress = h('progress', { max: '100', value: '0', hidden: '' });
  const status = h('span', { class: 'import-status', role: 'status' });
  const zone = h(
    'div',
    { class: 'drop-zone' },
    'Drop a webrtc-internals or rtcstats dump here, or ',
    h('label', {}, 'pick one ', input),
    progress,
    status,
  );
  const upload = (file: File) => {
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `uploading ${file.name}…`;
    const xhr = new XMLHttpRequest();
    xhr.open(
      'POST',
      `/client/v4/accounts/${encodeURIComponent(c.accountId)}/realtime/kit/${appId}/imports?title=${encodeURIComponent(file.name.slice(0, 200))}`,
    );
    xhr.setRequestHeader('authorization', `Bearer ${c.token}`);
    xhr.setRequestHeader(
      'content-type',
      file.name.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream',
    );
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.upload.onload = () => {
      progress.removeAttribute('value'); // indeterminate while the server imports
      status.textContent = `importing ${file.name}…`;
    };
    xhr.onerror = () => (status.textContent = 'upload failed: network error');
    xhr.onload = () => {
      let body: any = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status !== 201) {
        progress.hidden = true;
        status.textContent = `import failed (${xhr.status}): ${new ApiError(xhr.status, body?.errors?.[0]?.message ?? `HTTP ${xhr.status}`).message}`;
        status.classList.add('error');
        return;
      }
      const peer = body.data.peers[0]?.peer_id as string | undefined;
      status.textContent = `imported ${body.data.peers.length} peer(s)`;
      if (peer) location.hash = `#/apps/${appId}/peers/${peer}`;
    };
    xhr.send(file);
  };
  input.addEventListener('change', () => {
    if (input.files?.[0]) upload(input.files[0]);
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) upload(file);
  });
  return zone;
}

/**
 * The RealtimeKit `sessions` read resource (besides the peer report):
 * list an app's sessions, a session's details, its participants (peers) and
 * one participant's details. This server keeps no chat, transcripts or
 * summaries: those endpoints answer 404 saying so.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { requireApp, uuidParam } from '../route-params.ts';
import { ApiError, badRequest, ERROR_CODES, notFound } from '../errors.ts';
import { parsePage, pagingBlock } from '../pagination.ts';
import { liveMinutes, type SessionPeerRow, type SessionRow } from '../../store/sessions-query.ts';
import { isUuid } from '../../util/uuid.ts';
import { iso, minutesBetween } from '../../util/time.ts';
import { peerEventsOf } from '../../report/peer-events.ts';
import { parseBooleanParam, parseReportFilters } from '../../report/report-filters.ts';
import { assemblePeerReportParts } from '../../report/assemble-peer-report.ts';
import { partsBody } from '../body-parts.ts';
import { verdictName } from '../../store/session-verdicts.ts';

const round2 = (v: number) => Math.round(v * 100) / 100;

function enumParam<T extends string>(
  c: Context,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  const hit = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!hit) throw badRequest(name, `expected one of ${allowed.join(', ')}, got '${raw}'`);
  return hit;
}

function timeParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw badRequest(name, `expected an ISO-8601 date-time, got '${raw}'`);
  return t;
}

/** Session as the SDK sees it; live minutes are added for LIVE sessions. */
export function sessionJson(s: SessionRow, liveMins = 0): Record<string, unknown> {
  return {
    id: s.id,
    associated_id: s.meeting_id,
    organization_id: s.app_id,
    type: 'meeting',
    status: s.status,
    meeting_display_name: s.meeting_title ?? '',
    live_participants: Number(s.live_participants),
    max_concurrent_participants: Number(s.max_concurrent_participants),
    minutes_consumed: round2(Number(s.minutes_consumed) + liveMins),
    started_at: iso(s.started_at),
    ...(s.ended_at !== null ? { ended_at: iso(s.ended_at) } : {}),
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    breakout_rooms: [],
  };
}

interface SessionParticipant {
  json: Record<string, unknown>;
  joinedAt: number;
  duration: number;
  /** Its `peer_events`, computed only for the entries of the requested page. */
  events?: () => unknown[];
}

function peerParticipant(
  p: SessionPeerRow,
  now: number,
  includeEvents: boolean,
): SessionParticipant {
  const duration = minutesBetween(p.joined_at, p.left_at ?? now);
  return {
    joinedAt: p.joined_at,
    duration,
    json: {
      id: p.id,
      session_id: p.session_id,
      user_id: p.participant_id,
      custom_participant_id: p.custom_participant_id ?? undefined,
      display_name: p.display_name ?? undefined,
      preset_name: p.preset_name ?? undefined,
      role: p.preset_name ?? undefined,
      joined_at: iso(p.joined_at),
      left_at: iso(p.left_at),
      duration,
      status: p.status === 'live' ? 'LIVE' : 'LEFT',
      created_at: iso(p.created_at),
      updated_at: iso(p.updated_at),
      // Additive: the finished peer's diagnosis verdict and sentence (docs/diagnosis.md).
      verdict: verdictName(p.verdict_rank),
      diagnosis_summary: p.diagnosis_summary ?? undefined,
    },
    events: includeEvents ? () => peerEventsOf(p) : undefined,
  };
}

/**
 * `view=consolidated`: one entry per participant, durations summed over its peers.
 * An entry lists (`peer_ids`, `peer_events`) at most `maxPeers` of its peers, the
 * latest, and says how many it has (`peers_total`): paging bounds the answer even
 * for a participant that joined thousands of times.
 */
function consolidate(
  peers: SessionPeerRow[],
  now: number,
  includeEvents: boolean,
  maxPeers: number,
): SessionParticipant[] {
  const byParticipant = new Map<string, SessionPeerRow[]>();
  for (const p of peers) {
    const list = byParticipant.get(p.participant_id) ?? [];
    list.push(p);
    byParticipant.set(p.participant_id, list);
  }
  return [...byParticipant.values()].map((list) => {
    const first = peerParticipant(list[0], now, false);
    const duration = round2(
      list.reduce((acc, p) => acc + minutesBetween(p.joined_at, p.left_at ?? now), 0),
    );
    const live = list.some((p) => p.left_at === null);
    const leftAt = live ? undefined : list.reduce((m, p) => Math.max(m, p.left_at as number), 0);
    const listed = list.length > maxPeers ? list.slice(list.length - maxPeers) : list;
    return {
      joinedAt: list[0].joined_at,
      duration,
      json: {
        ...first.json,
        left_at: iso(leftAt),
        duration,
        status: live ? 'LIVE' : 'LEFT',
        peer_ids: listed.map((p) => p.id),
        peers_total: list.length,
      },
      events: includeEvents ? () => listed.flatMap((p) => peerEventsOf(p)) : undefined,
    };
  });
}

async function requireSession(c: Context<AppEnv>): Promise<SessionRow> {
  const { accountId, appId } = await requireApp(c);
  const sessionId = uuidParam(c, 'session_id');
  const s = await c.get('ctx').store.sessions.find(accountId, appId, sessionId);
  if (!s) throw notFound(`session '${sessionId}'`);
  return s;
}

/** Routes of the sessions resource. */
export function sessionsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const base = '/accounts/:account_id/realtime/kit/:app_id/sessions';

  r.get(base, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    const associated = c.req.query('associated_id');
    const startTime = timeParam(c, 'start_time');
    const endTime = timeParam(c, 'end_time');
    if (startTime !== undefined && endTime !== undefined && startTime > endTime)
      throw badRequest('end_time', 'must not be before start_time');
    const statusRaw = c.req.query('status');
    const status = statusRaw
      ? enumParam(c, 'status', ['LIVE', 'ENDED'] as const, 'LIVE')
      : undefined;
    const sortBy = enumParam(c, 'sort_by', ['createdAt', 'minutesConsumed'] as const, 'createdAt');
    const sortOrder = enumParam(c, 'sort_order', ['ASC', 'DESC'] as const, 'DESC');
    // A RealtimeKit V1 meeting id is a room name (`abcdef-ghijkl`): no meeting here has one, so the
    // answer is the empty list an unknown UUID gets (validated parameters above still answer 400).
    if (associated && !isUuid(associated)) {
      return c.json({ success: true, data: { sessions: [] }, paging: pagingBlock(page, 0, 0) });
    }
    const { rows, total } = await ctx.store.sessions.list({
      accountId,
      appId,
      meetingId: associated || undefined,
      startTime,
      endTime,
      status,
      search: c.req.query('search')?.trim() || undefined,
      sortBy,
      sortOrder: sortOrder === 'ASC' ? 'asc' : 'desc',
      offset: page.offset,
      limit: page.perPage,
    });
    const live = await ctx.store.sessions.liveMinutes(
      rows.filter((s) => s.status === 'LIVE').map((s) => s.id),
      Date.now(),
    );
    const worst = await ctx.store.sessions.worstVerdicts(rows.map((s) => s.id));
    return c.json({
      success: true,
      data: {
        sessions: rows.map((s) => ({
          ...sessionJson(s, live.get(s.id) ?? 0),
          ...(worst.has(s.id) ? { worst_verdict: worst.get(s.id) } : {}),
        })),
      },
      paging: pagingBlock(page, rows.length, total),
    });
  });

  // Literal sub-resources before `:session_id` matching.
  const noChat = (what: string) => async (c: Context<AppEnv>) => {
    await requireSession(c);
    throw new ApiError(
      404,
      `this server records call quality only: it has no ${what} for any session`,
      undefined,
      ERROR_CODES.not_recorded,
    );
  };
  r.get(`${base}/:session_id/chat`, noChat('chat messages'));
  r.get(`${base}/:session_id/transcript`, noChat('transcripts'));
  r.get(`${base}/:session_id/summary`, noChat('transcript summaries'));
  r.post(`${base}/:session_id/summary`, noChat('transcripts to summarise'));

  r.get(`${base}/:session_id`, async (c) => {
    const ctx = c.get('ctx');
    const s = await requireSession(c);
    parseBooleanParam('include_breakout_rooms', c.req.query('include_breakout_rooms'));
    const live =
      s.status === 'LIVE'
        ? await ctx.store.sessions.liveMinutes([s.id], Date.now())
        : new Map<string, number>();
    return c.json({ success: true, data: sessionJson(s, live.get(s.id) ?? 0) });
  });

  r.get(`${base}/:session_id/participants`, async (c) => {
    const ctx = c.get('ctx');
    const s = await requireSession(c);
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    const includeEvents = parseBooleanParam(
      'include_peer_events',
      c.req.query('include_peer_events'),
    );
    const sortBy = enumParam(c, 'sort_by', ['joinedAt', 'duration'] as const, 'joinedAt');
    const sortOrder = enumParam(c, 'sort_order', ['ASC', 'DESC'] as const, 'ASC');
    const view = enumParam(c, 'view', ['raw', 'consolidated'] as const, 'raw');
    const now = Date.now();
    const peers = await ctx.store.sessions.peers(s.id);
    let list =
      view === 'consolidated'
        ? consolidate(peers, now, includeEvents, page.perPage)
        : peers.map((p) => peerParticipant(p, now, includeEvents));
    const search = c.req.query('search')?.trim().toLowerCase();
    if (search) {
      list = list.filter(({ json }) =>
        [json.id, json.user_id, json.custom_participant_id, json.display_name].some(
          (v) => typeof v === 'string' && v.toLowerCase().includes(search),
        ),
      );
    }
    const dir = sortOrder === 'ASC' ? 1 : -1;
    list.sort((a, b) => {
      const d = sortBy === 'duration' ? a.duration - b.duration : a.joinedAt - b.joinedAt;
      return d !== 0 ? d * dir : String(a.json.id) < String(b.json.id) ? -dir : dir;
    });
    const pageItems = list
      .slice(page.offset, page.offset + page.perPage)
      .map((x) => (x.events ? { ...x.json, peer_events: x.events() } : x.json));
    const paging = pagingBlock(page, pageItems.length, list.length);
    return c.json({ success: true, data: { participants: pageItems, paging }, paging });
  });

  r.get(`${base}/:session_id/participants/:participant_id`, async (c) => {
    const ctx = c.get('ctx');
    const s = await requireSession(c);
    const peerId = uuidParam(c, 'participant_id');
    const includePeerEvents = parseBooleanParam(
      'include_peer_events',
      c.req.query('include_peer_events'),
    );
    // 6.x sends `filters` here ("details along with call statistics"): honoured like the peer report's.
    const rawFilters = c.req.queries('filters') ?? [];
    const sections = parseReportFilters(rawFilters);
    const data = await ctx.store.reports.load(
      s.account_id,
      s.app_id,
      peerId,
      rawFilters.length ? sections : new Set(),
      {
        diagnosis: ctx.config.diagnosis,
        liveDiagnosisRefreshMs: ctx.config.liveDiagnosisRefreshMs,
      },
    );
    if (!data || data.peer.session_id !== s.id)
      throw notFound(`participant '${peerId}' in session '${s.id}'`);
    // Sent as its parts (body-parts.ts): the stored rows are not joined into one buffer first.
    const { body, length } = partsBody(
      assemblePeerReportParts(data, {
        sections: rawFilters.length ? sections : new Set(),
        includePeerEvents,
        now: Date.now(),
      }),
    );
    return c.body(body, 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(length),
    });
  });

  return r;
}

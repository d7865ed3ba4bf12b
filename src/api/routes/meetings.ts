/**
 * Meetings and their participants, with the request and response shapes of
 * the official SDK's `realtimeKit.meetings` resource. Fields we have no use
 * for are stored and echoed, never rejected.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { requireApp, uuidParam } from '../route-params.ts';
import { readJsonBody } from '../request-body.ts';
import type { MeetingsTable } from '../../store/schema.ts';
import { type ParticipantRecord } from '../../store/participants.ts';
import { parsePage, pagingBlock } from '../pagination.ts';
import { badRequest, notFound } from '../errors.ts';
import { iso } from '../../util/time.ts';

const meetingBodySchema = z.looseObject({
  title: z.string().max(1024).nullable().optional(),
  status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
});

const addParticipantSchema = z.looseObject({
  custom_participant_id: z.string().min(1).max(256),
  preset_name: z.string().min(1).max(256),
  name: z.string().max(256).nullable().optional(),
  picture: z.string().max(2048).nullable().optional(),
});

const editParticipantSchema = z.looseObject({
  preset_name: z.string().min(1).max(256).optional(),
  name: z.string().max(256).nullable().optional(),
  picture: z.string().max(2048).nullable().optional(),
});

/** Meeting as the SDK sees it. */
export function meetingJson(m: MeetingsTable): Record<string, unknown> {
  return {
    ...JSON.parse(m.config),
    id: m.id,
    title: m.title ?? undefined,
    status: m.status,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
  };
}

/** Participant as the SDK sees it (the token only where the API returns it). */
export function participantJson(p: ParticipantRecord, token?: string): Record<string, unknown> {
  return {
    id: p.id,
    ...(token ? { token } : {}),
    custom_participant_id: p.custom_participant_id,
    preset_name: p.preset_name,
    name: p.name,
    picture: p.picture,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
  };
}

async function requireMeeting(c: Context<AppEnv>, param = 'meeting_id'): Promise<MeetingsTable> {
  const { accountId, appId } = await requireApp(c);
  const meetingId = uuidParam(c, param);
  const m = await c.get('ctx').store.meetings.find(accountId, appId, meetingId);
  if (!m) throw notFound(`meeting '${meetingId}'`);
  return m;
}

function splitMeetingBody(body: z.infer<typeof meetingBodySchema>) {
  const { title, status, ...config } = body;
  delete (config as Record<string, unknown>).account_id;
  delete (config as Record<string, unknown>).app_id;
  return { title, status, config };
}

/** Routes of the meetings resource. */
export function meetingsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const base = '/accounts/:account_id/realtime/kit/:app_id/meetings';

  r.post(base, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const body = splitMeetingBody(
      await readJsonBody(c, meetingBodySchema, ctx.config.maxApiBodyBytes, { allowEmpty: true }),
    );
    const m = await ctx.store.meetings.create({ accountId, appId, ...body });
    return c.json({ success: true, data: meetingJson(m) }, 201);
  });

  r.get(base, async (c) => {
    const ctx = c.get('ctx');
    const { accountId, appId } = await requireApp(c);
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    const time = (name: string) => {
      const v = c.req.query(name);
      if (!v) return undefined;
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw badRequest(name, `expected an ISO-8601 date-time, got '${v}'`);
      return t;
    };
    const status = c.req.query('status');
    if (status && status !== 'ACTIVE' && status !== 'INACTIVE')
      throw badRequest('status', `expected ACTIVE or INACTIVE, got '${status}'`);
    const { rows, total } = await ctx.store.meetings.list(accountId, appId, {
      offset: page.offset,
      limit: page.perPage,
      search: c.req.query('search') || undefined,
      status,
      startTime: time('start_time'),
      endTime: time('end_time'),
    });
    return c.json({
      success: true,
      data: rows.map(meetingJson),
      paging: pagingBlock(page, rows.length, total),
    });
  });

  r.get(`${base}/:meeting_id`, async (c) =>
    c.json({ success: true, data: meetingJson(await requireMeeting(c)) }),
  );

  for (const method of ['put', 'patch'] as const) {
    r[method](`${base}/:meeting_id`, async (c) => {
      const ctx = c.get('ctx');
      const m = await requireMeeting(c);
      const body = splitMeetingBody(
        await readJsonBody(c, meetingBodySchema, ctx.config.maxApiBodyBytes, { allowEmpty: true }),
      );
      const next = await ctx.store.meetings.update(m, body, method === 'put');
      return c.json({ success: true, data: meetingJson(next) });
    });
  }

  r.post(`${base}/:meeting_id/participants`, async (c) => {
    const ctx = c.get('ctx');
    const m = await requireMeeting(c);
    const body = await readJsonBody(c, addParticipantSchema, ctx.config.maxApiBodyBytes);
    const { participant, token } = await ctx.store.participants.add({
      accountId: m.account_id,
      appId: m.app_id,
      meetingId: m.id,
      customParticipantId: body.custom_participant_id,
      presetName: body.preset_name,
      name: body.name,
      picture: body.picture,
    });
    return c.json({ success: true, data: participantJson(participant, token) }, 201);
  });

  r.get(`${base}/:meeting_id/participants`, async (c) => {
    const ctx = c.get('ctx');
    const m = await requireMeeting(c);
    const page = parsePage(c.req.query('page_no'), c.req.query('per_page'));
    const { rows, total } = await ctx.store.participants.list(m.id, {
      offset: page.offset,
      limit: page.perPage,
    });
    return c.json({
      success: true,
      data: rows.map((p) => participantJson(p)),
      paging: pagingBlock(page, rows.length, total),
    });
  });

  const participantOf = async (c: Context<AppEnv>) => {
    const m = await requireMeeting(c);
    const id = uuidParam(c, 'participant_id');
    const p = await c
      .get('ctx')
      .store.participants.find({ accountId: m.account_id, appId: m.app_id, meetingId: m.id }, id);
    if (!p) throw notFound(`participant '${id}'`);
    return p;
  };

  r.get(`${base}/:meeting_id/participants/:participant_id`, async (c) =>
    c.json({ success: true, data: participantJson(await participantOf(c)) }),
  );

  r.patch(`${base}/:meeting_id/participants/:participant_id`, async (c) => {
    const ctx = c.get('ctx');
    const p = await participantOf(c);
    const body = await readJsonBody(c, editParticipantSchema, ctx.config.maxApiBodyBytes, {
      allowEmpty: true,
    });
    const next = await ctx.store.participants.edit(p, {
      name: body.name,
      picture: body.picture,
      preset_name: body.preset_name,
    });
    const token = await ctx.store.participants.refreshToken(p.id);
    ctx.participantTokens.invalidate(p.id);
    return c.json({ success: true, data: participantJson(next, token) });
  });

  r.delete(`${base}/:meeting_id/participants/:participant_id`, async (c) => {
    const ctx = c.get('ctx');
    const p = await participantOf(c);
    const at = await ctx.store.participants.delete(p.id);
    ctx.participantTokens.invalidate(p.id);
    return c.json({
      success: true,
      data: {
        id: p.id,
        custom_participant_id: p.custom_participant_id,
        preset_id: p.preset_name,
        preset_name: p.preset_name,
        created_at: iso(p.created_at),
        updated_at: iso(at),
      },
    });
  });

  r.post(`${base}/:meeting_id/participants/:participant_id/token`, async (c) => {
    const ctx = c.get('ctx');
    const p = await participantOf(c);
    const token = await ctx.store.participants.refreshToken(p.id);
    ctx.participantTokens.invalidate(p.id);
    return c.json({ success: true, data: { token } });
  });

  return r;
}

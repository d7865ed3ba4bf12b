/**
 * The ingest API used by the browser collector (and any client that speaks
 * the telemetry contract of `src/model/telemetry.ts`). Authenticated by the
 * participant token from `meetings.addParticipant`; CORS-enabled because it is
 * called from the app's own origin.
 *
 * - `POST /ingest/v1/join` → 201 `{peer_id, session_id, participant_id, meeting_id}`; every join is a new peer.
 * - `POST /ingest/v1/peers/{peer_id}/batches` → 200 `{batch_id, duplicate}` once committed.
 * - `POST /ingest/v1/peers/{peer_id}/leave` → 200.
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AppEnv } from '../context.ts';
import { ApiError, badRequest, ERROR_CODES, tooManyRequests } from '../errors.ts';
import { readJsonBody, readJsonText } from '../request-body.ts';
import { joinRequestSchema, leaveRequestSchema } from '../../ingest/ingest-schemas.ts';
import { bearerToken } from '../auth.ts';
import type { ParticipantRecord } from '../../store/participants.ts';
import { clientMetadata } from '../../ingest/client-metadata.ts';
import { clientAddress } from '../../geo/ip-address.ts';
import { isUuid } from '../../util/uuid.ts';

async function requireParticipant(c: Context<AppEnv>): Promise<ParticipantRecord> {
  // `access_token` in the query exists for navigator.sendBeacon, which cannot set headers.
  const token = bearerToken(c.req.header('authorization')) ?? c.req.query('access_token');
  if (!token)
    throw new ApiError(
      401,
      'missing participant token',
      'Authorization',
      ERROR_CODES.authentication,
    );
  const p = await c.get('ctx').participantTokens.lookup(token);
  if (!p)
    throw new ApiError(
      401,
      'invalid participant token (unknown, refreshed or deleted participant)',
      'Authorization',
      ERROR_CODES.authentication,
    );
  const waitS = c.get('ctx').ingestLimiter?.take(p.id) ?? 0;
  if (waitS > 0)
    throw tooManyRequests(
      'Authorization',
      `too many ingest requests for this participant; retry in ${Math.ceil(waitS)} s`,
      waitS,
    );
  return p;
}

function peerParam(c: Context<AppEnv>): string {
  const id = c.req.param('peer_id') ?? '';
  if (!isUuid(id)) throw badRequest('peer_id', `expected a UUID, got '${id}'`);
  return id;
}

function socketAddress(c: Context<AppEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Routes of the ingest API. */
export function ingestRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  // CORS: the collector posts from the app's own origin. Preflights go through
  // Hono's cors(); the POSTs themselves only need the allow-origin header, set
  // with c.header(): cors() sets it on c.res before the handler runs, which makes
  // every response a second Response object with its headers copied over
  // (~5 % of the event loop's time per ingest request).
  const preflight = cors({
    origin: '*',
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Content-Encoding'],
    maxAge: 600,
  });
  r.use('/ingest/*', (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    c.header('Access-Control-Allow-Origin', '*');
    return next();
  });

  r.post('/ingest/v1/join', async (c) => {
    const ctx = c.get('ctx');
    const participant = await requireParticipant(c);
    // Refused before any SQL: a join flood must cost the server next to nothing.
    const waitS = ctx.joinLimiter?.take(participant.id) ?? 0;
    if (waitS > 0)
      throw tooManyRequests(
        'Authorization',
        `too many joins for this participant; retry in ${Math.ceil(waitS)} s`,
        waitS,
      );
    const body = await readJsonBody(c, joinRequestSchema, ctx.config.maxIngestBodyBytes, {
      allowEmpty: true,
    });
    const ip = clientAddress(
      socketAddress(c),
      c.req.header('x-forwarded-for'),
      ctx.config.trustedProxies,
    );
    const ipInfo = ip ? await ctx.geo.lookup(ip, ctx.config.keepFullIp) : undefined;
    const now = Date.now();
    // A client may date its join up to 24 h back (replayed or time-compressed calls), never into the future.
    const joinedAt =
      body.joined_at && body.joined_at <= now + 60_000 && now - body.joined_at < 24 * 3_600_000
        ? Math.min(body.joined_at, now)
        : now;
    const joined = await ctx.store.peers.join(participant, {
      client: JSON.stringify(clientMetadata(body.client)),
      ip_info: ipInfo ? JSON.stringify(ipInfo) : null,
      precall: body.precall ? JSON.stringify(body.precall) : null,
      source: 'live',
      joinedAt,
      previousPeerId: body.previous_peer_id,
    });
    // The join has committed: a failure to close older peers must not fail it (the next join or the timeout sweeper closes them).
    await ctx.store.peers
      .enforceLiveCap(
        participant.id,
        joined.peerId,
        ctx.config.maxLivePeersPerParticipant,
        Date.now(),
      )
      .catch((err: unknown) => console.error('live peer cap failed:', (err as Error).message));
    return c.json(
      {
        success: true,
        data: {
          peer_id: joined.peerId,
          session_id: joined.sessionId,
          participant_id: joined.participantId,
          meeting_id: joined.meetingId,
          heartbeat_timeout_s: ctx.config.peerTimeoutMs / 1000,
        },
      },
      201,
    );
  });

  r.post('/ingest/v1/peers/:peer_id/batches', async (c) => {
    const ctx = c.get('ctx');
    const participant = await requireParticipant(c);
    const peerId = peerParam(c);
    // Parsed, validated and derived in the writer's worker threads.
    const text =
      (await readJsonText(c, ctx.config.maxIngestBodyBytes, { allowTextPlain: true })) ?? '';
    const outcome = await ctx.writer.submit(peerId, participant.id, text);
    switch (outcome.status) {
      case 'invalid':
        throw badRequest(outcome.field, outcome.message);
      case 'unknown_peer':
        throw new ApiError(
          404,
          `peer '${peerId}' not found for this participant`,
          'peer_id',
          ERROR_CODES.not_found,
        );
      case 'peer_closed':
        throw new ApiError(
          409,
          `peer '${peerId}' has left (or timed out); join again to continue`,
          'peer_id',
          ERROR_CODES.peer_left,
        );
      case 'duplicate':
        return c.json({ success: true, data: { batch_id: outcome.batchId, duplicate: true } });
      case 'stored':
        return c.json({
          success: true,
          data: {
            batch_id: outcome.batchId,
            duplicate: false,
            samples: outcome.samples,
            skipped_samples: outcome.skipped,
          },
        });
    }
  });

  r.post('/ingest/v1/peers/:peer_id/leave', async (c) => {
    const ctx = c.get('ctx');
    const participant = await requireParticipant(c);
    const peerId = peerParam(c);
    const body = await readJsonBody(c, leaveRequestSchema, ctx.config.maxApiBodyBytes, {
      allowEmpty: true,
      allowTextPlain: true,
    });
    const now = Date.now();
    const at = body.ts && body.ts <= now && now - body.ts < 24 * 3_600_000 ? body.ts : now;
    const closed = await ctx.store.peers.leave(peerId, participant.id, at, body.reason ?? 'left');
    if (closed === 'unknown')
      throw new ApiError(
        404,
        `peer '${peerId}' not found for this participant`,
        'peer_id',
        ERROR_CODES.not_found,
      );
    return c.json({ success: true, data: { peer_id: peerId, closed, already_left: !closed } });
  });
  return r;
}

/** `GET …/{app_id}/sessions/peer-report/{peer_id}`: the peer report. */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiError, badRequest, ERROR_CODES, notFound } from '../errors.ts';
import { isUuid } from '../../util/uuid.ts';
import { parseBooleanParam, parseReportFilters } from '../../report/report-filters.ts';
import { loadPeerData } from '../../report/load-peer-data.ts';
import { assemblePeerReport } from '../../report/assemble-peer-report.ts';
import { peerVersion } from '../../report/load-peer-data.ts';
import { preferredCoding, type ContentCoding } from '../content-encoding.ts';
import { compressBody, MIN_COMPRESSED_BYTES } from '../compression.ts';

function sendReport(c: Context<AppEnv>, body: Buffer, coding: ContentCoding | undefined): Response {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    vary: 'Accept-Encoding',
  };
  if (coding) headers['content-encoding'] = coding;
  return c.body(
    new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength),
    200,
    headers,
  );
}
import { qualityCohort, withQualityCohort } from '../../report/report-cohort.ts';

/** Routes of the peer report. */
export function peerReportRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/accounts/:account_id/realtime/kit/:app_id/sessions/peer-report/:peer_id', async (c) => {
    const ctx = c.get('ctx');
    const peerId = c.req.param('peer_id');
    if (!isUuid(peerId)) throw badRequest('peer_id', `expected a UUID, got '${peerId}'`);
    const sections = parseReportFilters(c.req.queries('filters') ?? []);
    const includePeerEvents = parseBooleanParam(
      'include_peer_events',
      c.req.query('include_peer_events'),
    );
    const accountId = c.req.param('account_id');
    const appId = c.req.param('app_id');
    const version = await peerVersion(ctx.db, accountId, appId, peerId);
    if (!version) throw notFound(`peer '${peerId}'`);
    if (version.expiredAt !== null) {
      throw new ApiError(
        404,
        `peer '${peerId}' expired: its telemetry was removed on ${new Date(version.expiredAt).toISOString()} (retention ${ctx.config.retentionDays} days)`,
        'peer_id',
        ERROR_CODES.peer_expired,
      );
    }
    // A live peer's duration moves with the clock: only finished peers are served from the cache.
    const key = version.live
      ? undefined
      : `${peerId}|${[...sections].sort().join(',')}|${includePeerEvents}|${version.stamp}`;
    // A finished report is compressed once, in the client's coding, and cached so (a live one is compressed per
    // request by the compression middleware).
    const coding = preferredCoding(c.req.header('accept-encoding'));
    // Where this peer sits among the app's peers moves as others finish: asked each time, part of the packed key.
    const cohort = version.live ? undefined : await qualityCohort(ctx.db, accountId, appId, peerId);
    const packedKey =
      key && coding ? `${key}|${coding}|${cohort ? JSON.stringify(cohort) : ''}` : undefined;
    const packed = packedKey ? ctx.reportCache.get(packedKey) : undefined;
    if (packed) return sendReport(c, packed, coding);
    let body = key ? ctx.reportCache.get(key) : undefined;
    if (!body) {
      const data = await loadPeerData(ctx.db, ctx.dialect, accountId, appId, peerId, sections, {
        diagnosis: ctx.config.diagnosis,
        liveDiagnosisRefreshMs: ctx.config.liveDiagnosisRefreshMs,
      });
      if (!data) throw notFound(`peer '${peerId}'`);
      body = assemblePeerReport(data, { sections, includePeerEvents, now: Date.now() });
      if (key) ctx.reportCache.set(key, body);
    }
    if (cohort) body = withQualityCohort(body, cohort);
    if (packedKey && coding && ctx.reportCache.enabled && body.byteLength >= MIN_COMPRESSED_BYTES) {
      const compressed = await compressBody(body, coding, true);
      ctx.reportCache.set(packedKey, compressed);
      return sendReport(c, compressed, coding);
    }
    return sendReport(c, body, undefined);
  });
  return r;
}

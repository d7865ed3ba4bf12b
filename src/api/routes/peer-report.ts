/** `GET …/{app_id}/sessions/peer-report/{peer_id}`: the peer report. */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiError, badRequest, ERROR_CODES, notFound } from '../errors.ts';
import { isUuid } from '../../util/uuid.ts';
import { parseBooleanParam, parseReportFilters } from '../../report/report-filters.ts';
import { assemblePeerReportParts } from '../../report/assemble-peer-report.ts';
import { partsBody } from '../body-parts.ts';
import { cachedAggregates } from '../../report/cached-aggregates.ts';
import { preferredCoding, type ContentCoding } from '../content-encoding.ts';
import { compressBody, MIN_COMPRESSED_BYTES } from '../compression.ts';
import {
  closeCompressedBody,
  openBodyLength,
  openCompressedBody,
} from '../open-compressed-body.ts';
import { qualityCohort, cohortTail } from '../../report/report-cohort.ts';

/**
 * The format of stored report bodies: part of their key, so a release that changes what a report contains
 * ignores (and replaces) the bodies an older one stored. Bump it with any change to the report's content.
 */
const STORED_REPORT_FORMAT = 1;

/** The end of an assembled body (data, root), before the per-request cohort replaces it. */
const CLOSING = Buffer.from('}}');

const brotliDecompress = promisify(zlib.brotliDecompress);

/** The answer: `body` as it is, or its parts in order without joining them (body-parts.ts). */
function sendReport(
  c: Context<AppEnv>,
  body: Buffer | readonly Buffer[],
  coding: ContentCoding | undefined,
): Response {
  const { body: sent, length } = partsBody(Buffer.isBuffer(body) ? [body] : body);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    vary: 'Accept-Encoding',
    'content-length': String(length),
  };
  if (coding) headers['content-encoding'] = coding;
  return c.body(sent, 200, headers);
}

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
    const version = await ctx.store.reports.version(accountId, appId, peerId);
    if (!version) throw notFound(`peer '${peerId}'`);
    if (version.expiredAt !== null) {
      throw new ApiError(
        404,
        `peer '${peerId}' expired: its telemetry was removed on ${new Date(version.expiredAt).toISOString()} (retention ${ctx.config.retentionDays} days)`,
        'peer_id',
        ERROR_CODES.peer_expired,
      );
    }
    const assembleParts = async (): Promise<Buffer[]> => {
      const data = await ctx.store.reports.load(accountId, appId, peerId, sections, {
        diagnosis: ctx.config.diagnosis,
        liveDiagnosisRefreshMs: ctx.config.liveDiagnosisRefreshMs,
        liveChunks: ctx.liveChunks,
      });
      if (!data) throw notFound(`peer '${peerId}'`);
      if (!data.aggregates && sections.has('quality_stats'))
        data.aggregates = cachedAggregates(ctx.reportCache, peerId, data.chunks, data.lastSamples);
      return assemblePeerReportParts(data, { sections, includePeerEvents, now: Date.now() });
    };
    const assemble = async (): Promise<Buffer> => {
      const parts = await assembleParts();
      return parts.length === 1 ? parts[0] : Buffer.concat(parts);
    };
    // A live peer's report moves with every batch and with the clock: assembled and compressed per request,
    // here rather than in the compression middleware, which would first copy the body out of the answer. An
    // identity answer goes out as its parts.
    if (version.live) {
      const coding = preferredCoding(c.req.header('accept-encoding'));
      const parts = await assembleParts();
      const length = parts.reduce((n, p) => n + p.byteLength, 0);
      if (!coding || length < MIN_COMPRESSED_BYTES) return sendReport(c, parts, undefined);
      return sendReport(c, await compressBody(Buffer.concat(parts, length), coding), coding);
    }

    // A finished peer's report is immutable until its version changes. Its body ends `}}` (data, root); where
    // the peer sits among the app's peers (`quality_cohort`) moves as others finish, so it is the body's end,
    // added per request after a body assembled (and compressed) once.
    const variant = `${[...sections].sort().join(',')}|${includePeerEvents}|${ctx.config.diagnosis}|${STORED_REPORT_FORMAT}`;
    const cohort = await qualityCohort(
      ctx.store,
      accountId,
      appId,
      peerId,
      ctx.cohortCache,
      version.stamp,
    );
    const tail = cohortTail(cohort);
    const coding = preferredCoding(c.req.header('accept-encoding'));
    const key = `${peerId}|${variant}|${version.stamp}`;
    if (coding) {
      // Compressed once, at the first request in this coding, and stored in the database: a cold cache, a
      // restart or another process serves the stored bytes (src/api/open-compressed-body.ts).
      const storedKey = { peerId, variant, coding };
      const openKey = `${key}|${coding}`;
      let open = ctx.reportCache.get(openKey);
      if (!open) {
        open = await ctx.store.reports.readStoredBody(storedKey, version.stamp);
        if (open) ctx.reportCache.set(openKey, open);
      }
      if (open) return sendReport(c, closeCompressedBody(open, coding, tail), coding);
      const body = ctx.reportCache.get(key) ?? (await assemble());
      if (body.byteLength >= MIN_COMPRESSED_BYTES) {
        open = await openCompressedBody(body.subarray(0, body.byteLength - 2), coding);
        ctx.reportCache.set(openKey, open);
        try {
          await ctx.store.reports.storeBody(storedKey, version.stamp, open);
        } catch {
          // Storing is a saving, not the answer: the next request compresses again.
        }
        return sendReport(c, closeCompressedBody(open, coding, tail), coding);
      }
      return sendReport(c, [body.subarray(0, body.byteLength - 2), tail], undefined);
    }
    const cached = ctx.reportCache.get(key);
    if (cached) return sendReport(c, [cached.subarray(0, cached.byteLength - 2), tail], undefined);
    // Not in memory: the stored brotli body decoded costs about a quarter of assembling the report (a 60-minute
    // peer: ~6 ms of CPU against ~25 on PostgreSQL, whose 5 MB of chunk rows no longer cross the socket), so an
    // identity answer is decoded from it, and the first one stores it (BENCHMARKS.md, issue 16 target 4).
    const storedKey = { peerId, variant, coding: 'br' as const };
    const openKey = `${key}|br`;
    let open = ctx.reportCache.get(openKey);
    if (!open) {
      open = await ctx.store.reports.readStoredBody(storedKey, version.stamp);
      if (open) ctx.reportCache.set(openKey, open);
    }
    if (open) {
      const packed = open;
      // Decoded into one buffer of the known length: 16 KB output chunks (the default) cost twice the CPU.
      const decode = async (end: Buffer) =>
        brotliDecompress(closeCompressedBody(packed, 'br', end), {
          chunkSize: openBodyLength(packed) + end.byteLength + 64,
        });
      if (!ctx.reportCache.enabled) return sendReport(c, await decode(tail), undefined);
      // Kept in memory as assembled (ending `}}`), as the branch above serves it.
      const body = await decode(CLOSING);
      ctx.reportCache.set(key, body);
      return sendReport(c, [body.subarray(0, body.byteLength - 2), tail], undefined);
    }
    const body = await assemble();
    ctx.reportCache.set(key, body);
    if (body.byteLength >= MIN_COMPRESSED_BYTES) {
      try {
        open = await openCompressedBody(body.subarray(0, body.byteLength - 2), 'br');
        ctx.reportCache.set(openKey, open);
        await ctx.store.reports.storeBody(storedKey, version.stamp, open);
      } catch {
        // Storing is a saving, not the answer: the next request assembles again.
      }
    }
    return sendReport(c, [body.subarray(0, body.byteLength - 2), tail], undefined);
  });
  return r;
}

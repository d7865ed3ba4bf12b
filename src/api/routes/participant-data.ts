/**
 * Deleting a person's data (`Realtime Admin` tokens only: every DELETE needs
 * the write permission):
 * - `DELETE …/{app_id}/meetings/{meeting_id}/participants/{participant_id}/data`:
 *   one participant (also one the meetings API already soft-deleted);
 * - `DELETE …/{app_id}/participant-data?custom_participant_id=…`: every
 *   participant of the app with that id (the app's own user id: one person
 *   across all meetings).
 * Both remove the participant records, their peers and every row derived
 * from them in one transaction (src/store/participant-erasure.ts); the peers'
 * reports answer 404 afterwards.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { uuidParam } from '../route-params.ts';
import { badRequest, notFound } from '../errors.ts';
import { type ErasureResult } from '../../store/participant-erasure.ts';

function answer(result: ErasureResult): Record<string, unknown> {
  return {
    participant_ids: result.participantIds,
    peer_ids: result.peerIds,
    deleted_rows: result.deleted,
  };
}

/** Routes that erase a participant's data. */
export function participantDataRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const app = '/accounts/:account_id/realtime/kit/:app_id';
  r.delete(`${app}/meetings/:meeting_id/participants/:participant_id/data`, async (c) => {
    const ctx = c.get('ctx');
    const accountId = c.req.param('account_id');
    const appId = c.req.param('app_id');
    const meetingId = uuidParam(c, 'meeting_id');
    const participantId = uuidParam(c, 'participant_id');
    if (!(await ctx.store.apps.find(accountId, appId))) throw notFound(`app '${appId}'`);
    if (!(await ctx.store.participants.find({ accountId, appId, meetingId }, participantId, true)))
      throw notFound(`participant '${participantId}'`);
    const result = await ctx.store.participants.erase({
      accountId,
      appId,
      participantIds: [participantId],
    });
    for (const id of result.participantIds) ctx.participantTokens.invalidate(id);
    return c.json({ success: true, data: answer(result) });
  });
  r.delete(`${app}/participant-data`, async (c) => {
    const ctx = c.get('ctx');
    const accountId = c.req.param('account_id');
    const appId = c.req.param('app_id');
    const custom = c.req.query('custom_participant_id');
    if (!custom)
      throw badRequest(
        'custom_participant_id',
        'required: the participant id your app gave at addParticipant',
      );
    if (custom.length > 256) throw badRequest('custom_participant_id', 'at most 256 characters');
    if (!(await ctx.store.apps.find(accountId, appId))) throw notFound(`app '${appId}'`);
    const result = await ctx.store.participants.erase({
      accountId,
      appId,
      customParticipantId: custom,
    });
    if (result.participantIds.length === 0)
      throw notFound(`participant with custom_participant_id '${custom}'`);
    for (const id of result.participantIds) ctx.participantTokens.invalidate(id);
    return c.json({ success: true, data: answer(result) });
  });
  return r;
}

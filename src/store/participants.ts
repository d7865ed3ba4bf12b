/** Participants of a meeting; each holds a participant token for ingest. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ParticipantsTable } from './schema.ts';
import { generateToken, hashToken } from '../util/secret-token.ts';

/** A participant as stored. */
export type ParticipantRecord = ParticipantsTable;

/** Adds a participant and returns it with its (one-time visible) token. */
export async function addParticipant(
  db: Kysely<Database>,
  input: {
    accountId: string;
    appId: string;
    meetingId: string;
    customParticipantId: string;
    presetName: string;
    name?: string | null;
    picture?: string | null;
  },
): Promise<{ participant: ParticipantRecord; token: string }> {
  const now = Date.now();
  const token = generateToken('prp');
  const participant: ParticipantRecord = {
    id: randomUUID(),
    account_id: input.accountId,
    app_id: input.appId,
    meeting_id: input.meetingId,
    custom_participant_id: input.customParticipantId,
    name: input.name ?? null,
    picture: input.picture ?? null,
    preset_name: input.presetName,
    token_hash: hashToken(token),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await db.insertInto('participants').values(participant).execute();
  return { participant, token };
}

/** A live (not deleted) participant by its token. */
export async function findParticipantByToken(
  db: Kysely<Database>,
  token: string,
): Promise<ParticipantRecord | undefined> {
  return db
    .selectFrom('participants')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** A participant of the meeting (deleted ones included when `includeDeleted`). */
export async function findParticipant(
  db: Kysely<Database>,
  scope: { accountId: string; appId: string; meetingId?: string },
  participantId: string,
  includeDeleted = false,
): Promise<ParticipantRecord | undefined> {
  let q = db
    .selectFrom('participants')
    .selectAll()
    .where('id', '=', participantId)
    .where('account_id', '=', scope.accountId)
    .where('app_id', '=', scope.appId);
  if (scope.meetingId) q = q.where('meeting_id', '=', scope.meetingId);
  if (!includeDeleted) q = q.where('deleted_at', 'is', null);
  return q.executeTakeFirst();
}

/** Replaces the participant's token; the old one stops working. */
export async function refreshParticipantToken(
  db: Kysely<Database>,
  participantId: string,
): Promise<string> {
  const token = generateToken('prp');
  await db
    .updateTable('participants')
    .set({ token_hash: hashToken(token), updated_at: Date.now() })
    .where('id', '=', participantId)
    .execute();
  return token;
}

/** Soft-deletes the participant: its token stops working, its past reports stay. */
export async function deleteParticipant(
  db: Kysely<Database>,
  participantId: string,
): Promise<number> {
  const now = Date.now();
  await db
    .updateTable('participants')
    .set({ deleted_at: now, updated_at: now })
    .where('id', '=', participantId)
    .execute();
  return now;
}

/** Updates name/picture/preset of a participant. */
export async function editParticipant(
  db: Kysely<Database>,
  p: ParticipantRecord,
  patch: { name?: string | null; picture?: string | null; preset_name?: string },
): Promise<ParticipantRecord> {
  const next = {
    ...p,
    ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    updated_at: Date.now(),
  } as ParticipantRecord;
  await db
    .updateTable('participants')
    .set({
      name: next.name,
      picture: next.picture,
      preset_name: next.preset_name,
      updated_at: next.updated_at,
    })
    .where('id', '=', p.id)
    .execute();
  return next;
}

/** A page of a meeting's participants (deleted ones excluded). */
export async function listParticipants(
  db: Kysely<Database>,
  meetingId: string,
  opts: { offset: number; limit: number },
): Promise<{ rows: ParticipantRecord[]; total: number }> {
  const q = db
    .selectFrom('participants')
    .where('meeting_id', '=', meetingId)
    .where('deleted_at', 'is', null);
  const total = Number(
    (await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
  );
  const rows = await q
    .selectAll()
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .offset(opts.offset)
    .limit(opts.limit)
    .execute();
  return { rows, total };
}

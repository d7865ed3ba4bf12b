/**
 * The {@link Store} over a Kysely database, shared by both backends: each verb is one of this folder's query
 * modules with the handle bound; what differs between SQLite and PostgreSQL comes from the backend's
 * {@link DialectAdapter} (sqlite/sqlite-adapter.ts, postgres/postgres-adapter.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { DialectAdapter } from './dialect-adapter.ts';
import type { JoinFields, Store, StoreUnit } from './store.ts';
import type { ParticipantRecord } from './participants.ts';
import * as tokens from './api-tokens.ts';
import * as apps from './apps.ts';
import * as meetings from './meetings.ts';
import * as participants from './participants.ts';
import { eraseParticipants } from './participant-erasure.ts';
import { closePeer, closeTimedOutPeers, inheritStreamState, joinPeer } from './peer-lifecycle.ts';
import { enforceLivePeerCap } from './live-peer-cap.ts';
import { loadPeerData, peerVersion } from './peer-report-data.ts';
import { readStoredReportBody, storeReportBody } from './stored-report-bodies.ts';
import * as sessions from './sessions-query.ts';
import { worstVerdicts } from './session-verdicts.ts';
import { sessionsByDay } from './sessions-daywise.ts';
import * as rollups from './quality-rollups-read.ts';
import { markServiceAlive } from './service-liveness.ts';
import { compactFinishedPeers, mergeLivePeers } from './chunk-compaction.ts';
import { refreshStaleRollups } from './rollup-refresh.ts';
import { applyRetention, ensurePartitions } from './retention.ts';
import { applySummaryRetention } from './summary-retention.ts';
import * as counts from './peer-counts.ts';
import * as webhooks from './webhooks.ts';
import * as signingKeys from './webhook-signing-keys.ts';
import * as alerts from './live-alert-marks.ts';
import * as delivery from './webhook-delivery-queue.ts';
import * as deliveryOrder from './webhook-order.ts';
import { liveDiagnosisInput } from './live-diagnosis-input.ts';
import * as pages from './finished-peers-page.ts';
import { readQualityChunks } from './quality-chunks-read.ts';
import { loadStreamStates, loadStreamStatesOfPeers } from './telemetry-batch-write.ts';

/** How the backend opened the database. */
export interface KyselyStoreParts {
  db: Kysely<Database>;
  adapter: DialectAdapter;
  location: string;
  /** Releases the connection(s). */
  destroy(): Promise<void>;
}

type Fn = (...args: any[]) => any;

/** Builds the store of `parts`. */
export function kyselyStore(parts: KyselyStoreParts): Store {
  const { adapter, location } = parts;
  const dialect = adapter.name;
  let db: Kysely<Database> | undefined = parts.db;
  const open = (): Kysely<Database> => {
    if (!db) throw new Error('store is closed');
    return db;
  };
  // `f(db, ...rest)` and `f(db, dialect, ...rest)` as verbs.
  const bind =
    <F extends Fn>(f: F) =>
    async (...rest: unknown[]) =>
      f(open(), ...rest);
  const bindD =
    <F extends Fn>(f: F) =>
    async (...rest: unknown[]) =>
      f(open(), dialect, ...rest);

  const joinInTransaction = async (
    tx: Transaction<Database>,
    participant: ParticipantRecord,
    fields: JoinFields,
  ) => {
    const peer = await joinPeer(tx, dialect, participant, fields);
    if (fields.previousPeerId)
      await inheritStreamState(tx, participant.id, fields.previousPeerId, peer.peerId);
    return peer;
  };
  const bindA =
    <F extends Fn>(f: F) =>
    async (...rest: unknown[]) =>
      f(open(), adapter, ...rest);

  const unitOf = (tx: Transaction<Database>): StoreUnit => ({
    meetings: { create: (input) => meetings.createMeeting(tx, input) },
    participants: { add: (input) => participants.addParticipant(tx, input) },
    peers: {
      join: (participant, fields) => joinInTransaction(tx, participant, fields),
      close: (peerId, at, reason) => closePeer(tx, dialect, peerId, at, reason),
    },
    telemetry: { writeGroup: (jobs, rules) => adapter.writeTelemetryIn(tx, jobs, rules) },
  });

  const store = {
    name: dialect,
    location,
    tokens: {
      create: bind(tokens.createApiToken),
      find: bind(tokens.findApiToken),
      list: bind(tokens.listApiTokens),
      revoke: bind(tokens.revokeApiToken),
      touch: bind(tokens.touchApiToken),
    },
    apps: { create: bind(apps.createApp), find: bind(apps.findApp), list: bind(apps.listApps) },
    meetings: {
      create: bind(meetings.createMeeting),
      find: bind(meetings.findMeeting),
      list: bind(meetings.listMeetings),
      update: bind(meetings.updateMeeting),
    },
    participants: {
      add: bind(participants.addParticipant),
      find: bind(participants.findParticipant),
      findByToken: bind(participants.findParticipantByToken),
      list: bind(participants.listParticipants),
      edit: bind(participants.editParticipant),
      delete: bind(participants.deleteParticipant),
      refreshToken: bind(participants.refreshParticipantToken),
      erase: bindD(eraseParticipants),
    },
    peers: {
      join: async (participant, fields) =>
        open()
          .transaction()
          .execute((tx) => joinInTransaction(tx, participant, fields)),
      leave: async (peerId, participantId, at, reason) => {
        const peer = await open()
          .selectFrom('peers')
          .select(['id', 'status'])
          .where('id', '=', peerId)
          .where('participant_id', '=', participantId)
          .executeTakeFirst();
        if (!peer) return 'unknown';
        return open()
          .transaction()
          .execute((tx) => closePeer(tx, dialect, peerId, at, reason));
      },
      enforceLiveCap: bindD(enforceLivePeerCap),
      closeTimedOut: bindD(closeTimedOutPeers),
    },
    telemetry: {
      streamStates: async (peerId, keys) => loadStreamStates(open(), peerId, keys),
      streamStatesOfPeers: async (peerIds) => loadStreamStatesOfPeers(open(), peerIds),
      writeGroup: async (jobs, rules) => adapter.writeTelemetryGroup(open(), jobs, rules),
      concurrentGroups: (configured) => adapter.concurrentGroups(configured),
      cachesStreamStates: adapter.cachesStreamStates,
    },
    reports: {
      version: bind(peerVersion),
      load: bindD(loadPeerData),
      readStoredBody: bind(readStoredReportBody),
      storeBody: bind(storeReportBody),
    },
    sessions: {
      list: async (q) => sessions.listSessions(open(), q, dialect),
      find: bind(sessions.findSession),
      liveMinutes: bind(sessions.liveMinutes),
      peers: bind(sessions.sessionPeers),
      worstVerdicts: bind(worstVerdicts),
      byDay: bind(sessionsByDay),
    },
    fleet: {
      qualityByGroup: bindA(rollups.qualityByGroup),
      worstPeers: bindD(rollups.worstPeers),
      cohortBuckets: bind(rollups.cohortBuckets),
      peerRollup: bind(rollups.peerRollupOfPeer),
      rankInAsnBrowser: bind(rollups.rankInAsnBrowser),
    },
    maintenance: {
      markServiceAlive: bind(markServiceAlive),
      compactFinishedPeers: bindD(compactFinishedPeers),
      mergeLivePeers: bindD(mergeLivePeers),
      refreshStaleRollups: bindD(refreshStaleRollups),
      ensurePartitions: bindD(ensurePartitions),
      applyRetention: bindD(applyRetention),
      applySummaryRetention: bind(applySummaryRetention),
      countLivePeers: bind(counts.countLivePeers),
      countCompactionBacklog: bind(counts.countCompactionBacklog),
      countWebhookBacklog: bind(counts.countWebhookBacklog),
    },
    webhooks: {
      create: bind(webhooks.createWebhook),
      list: bind(webhooks.listWebhooks),
      find: bind(webhooks.findWebhook),
      update: bind(webhooks.updateWebhook),
      delete: bind(webhooks.deleteWebhook),
      deliveries: bind(webhooks.listDeliveries),
      currentSigningKey: bind(signingKeys.currentSigningKey),
      addFirstSigningKey: bindA(signingKeys.addFirstSigningKey),
      rotateSigningKey: bindA(signingKeys.rotateSigningKey),
      alertedApps: bind(alerts.alertedApps),
      livePeersSeenSince: bind(alerts.livePeersSeenSince),
      liveDiagnosisInput: bindD(liveDiagnosisInput),
      fireAlert: bind(alerts.fireAlert),
      delivery: {
        claim: bindD(delivery.claimWebhooks),
        pending: bindD(deliveryOrder.readPendingDeliveries),
        sequence: bindD(deliveryOrder.sequenceDeliveries),
        record: bind(delivery.recordDeliveries),
        release: bind(delivery.releaseWebhook),
        retryOrDisable: bind(delivery.retryOrDisable),
        prune: bind(delivery.pruneDeliveryLog),
      },
    },
    exports: {
      finishedPeersPage: bind(pages.finishedPeersPage),
      newestChunkIds: bind(pages.newestChunkIds),
      selectedPairs: bind(pages.selectedPairs),
      qualityChunks: bindD(readQualityChunks),
    },
    unitOfWork: async (work) =>
      open()
        .transaction()
        .execute((tx) => work(unitOf(tx))),
    async close() {
      if (!db) return;
      db = undefined;
      await parts.destroy();
    },
  } as Store;
  return store;
}

/**
 * The one storage interface: domain verbs, grouped by concern. Callers (API routes, CLI commands, the server's
 * sweeper and maintenance, report, export, import, ingest, webhooks) hold a {@link Store} from `openStore`
 * (open-store.ts) and never a database handle, a dialect name or SQL: those stay behind this interface, in the
 * shared Kysely query modules of this folder and the per-backend folders `sqlite/` and `postgres/`, which supply
 * what differs between the backends as adapter methods (dialect-adapter.ts), not as `dialect === ...` checks.
 *
 * Most verbs are the store's existing query functions with the handle bound, so their signatures are derived
 * from those functions ({@link Verb}): one definition, no drift.
 */
import type { createApiToken, findApiToken, listApiTokens, revokeApiToken } from './api-tokens.ts';
import type { touchApiToken } from './api-tokens.ts';
import type { createApp, findApp, listApps } from './apps.ts';
import type { createMeeting, findMeeting, listMeetings, updateMeeting } from './meetings.ts';
import type { addParticipant, deleteParticipant, editParticipant } from './participants.ts';
import type { findParticipant, findParticipantByToken, listParticipants } from './participants.ts';
import type { refreshParticipantToken, ParticipantRecord } from './participants.ts';
import type { eraseParticipants } from './participant-erasure.ts';
import type { closeTimedOutPeers, JoinedPeer, joinPeer } from './peer-lifecycle.ts';
import type { enforceLivePeerCap } from './live-peer-cap.ts';
import type { loadPeerData, peerVersion } from './peer-report-data.ts';
import type { readStoredReportBody, storeReportBody } from './stored-report-bodies.ts';
import type { findSession, listSessions, liveMinutes, sessionPeers } from './sessions-query.ts';
import type { worstVerdicts } from './session-verdicts.ts';
import type { sessionsByDay } from './sessions-daywise.ts';
import type { cohortBuckets, peerRollupOfPeer, qualityByGroup } from './quality-rollups-read.ts';
import type { rankInAsnBrowser, worstPeers } from './quality-rollups-read.ts';
import type { markServiceAlive } from './service-liveness.ts';
import type { compactFinishedPeers, mergeLivePeers } from './chunk-compaction.ts';
import type { refreshStaleRollups } from './rollup-refresh.ts';
import type { applyRetention, ensurePartitions } from './retention.ts';
import type { applySummaryRetention } from './summary-retention.ts';
import type { countCompactionBacklog, countLivePeers, countWebhookBacklog } from './peer-counts.ts';
import type { createWebhook, deleteWebhook, findWebhook, listDeliveries } from './webhooks.ts';
import type { listWebhooks, updateWebhook } from './webhooks.ts';
import type { addFirstSigningKey, currentSigningKey } from './webhook-signing-keys.ts';
import type { rotateSigningKey } from './webhook-signing-keys.ts';
import type { alertedApps, fireAlert, livePeersSeenSince } from './live-alert-marks.ts';
import type { liveDiagnosisInput } from './live-diagnosis-input.ts';
import type {
  claimWebhooks,
  pruneDeliveryLog,
  recordDeliveries,
} from './webhook-delivery-queue.ts';
import type { releaseWebhook, retryOrDisable } from './webhook-delivery-queue.ts';
import type { readPendingDeliveries, sequenceDeliveries } from './webhook-order.ts';
import type { finishedPeersPage, newestChunkIds, selectedPairs } from './finished-peers-page.ts';
import type { readQualityChunks } from './quality-chunks-read.ts';
import type { TelemetryVerbs } from './telemetry-write-types.ts';
import type { StoreDialect } from './store-dialect.ts';

type Fn = (...args: any[]) => unknown;
/** A store function `f(db, ...rest)` as a verb `(...rest)`. */
export type Verb<F extends Fn> = F extends (db: never, ...rest: infer R) => infer O
  ? (...rest: R) => O
  : never;
/** A store function `f(db, dialect, ...rest)` as a verb `(...rest)`: the backend supplies the dialect. */
export type DialectVerb<F extends Fn> = F extends (db: never, d: never, ...rest: infer R) => infer O
  ? (...rest: R) => O
  : never;

/** API tokens (src/store/api-tokens.ts). */
export interface TokenVerbs {
  create: Verb<typeof createApiToken>;
  find: Verb<typeof findApiToken>;
  list: Verb<typeof listApiTokens>;
  revoke: Verb<typeof revokeApiToken>;
  touch: Verb<typeof touchApiToken>;
}

/** Apps of an account. */
export interface AppVerbs {
  create: Verb<typeof createApp>;
  find: Verb<typeof findApp>;
  list: Verb<typeof listApps>;
}

/** Meetings of an app. */
export interface MeetingVerbs {
  create: Verb<typeof createMeeting>;
  find: Verb<typeof findMeeting>;
  list: Verb<typeof listMeetings>;
  update: Verb<typeof updateMeeting>;
}

/** Participants of a meeting, their tokens, and erasure of their data. */
export interface ParticipantVerbs {
  add: Verb<typeof addParticipant>;
  find: Verb<typeof findParticipant>;
  findByToken: Verb<typeof findParticipantByToken>;
  list: Verb<typeof listParticipants>;
  edit: Verb<typeof editParticipant>;
  delete: Verb<typeof deleteParticipant>;
  refreshToken: Verb<typeof refreshParticipantToken>;
  /** Erases participants' personal data (GDPR), peers and their telemetry included. */
  erase: DialectVerb<typeof eraseParticipants>;
}

/** What a join stores (joinPeer's fields; `previousPeerId`: the peer a rejoin continues). */
export type JoinFields = Parameters<typeof joinPeer>[3];

/** A peer's lifecycle. */
export interface PeerVerbs {
  /**
   * Joins, in one transaction; a rejoin (`previousPeerId`) reopens its session and inherits the previous
   * peer's stream states, so the first batch after it derives from the last one before.
   */
  join(participant: ParticipantRecord, fields: JoinFields): Promise<JoinedPeer>;
  /**
   * Closes the participant's peer at `at`: `unknown` when the participant has no such peer, else whether this
   * call closed it (false: it had left already).
   */
  leave(
    peerId: string,
    participantId: string,
    at: number,
    reason: string,
  ): Promise<'unknown' | boolean>;
  /** Closes the participant's live peers beyond the newest `maxLive` (src/store/live-peer-cap.ts). */
  enforceLiveCap: DialectVerb<typeof enforceLivePeerCap>;
  /** The timeout sweeper: closes peers silent for `timeoutMs`. */
  closeTimedOut: DialectVerb<typeof closeTimedOutPeers>;
}

/** What a peer report reads. */
export interface ReportVerbs {
  version: Verb<typeof peerVersion>;
  load: DialectVerb<typeof loadPeerData>;
  readStoredBody: Verb<typeof readStoredReportBody>;
  storeBody: Verb<typeof storeReportBody>;
}

/** Sessions, their peers and day-wise counts. */
export interface SessionVerbs {
  list(...args: Parameters<Verb<typeof listSessions>>): ReturnType<typeof listSessions>;
  find: Verb<typeof findSession>;
  liveMinutes: Verb<typeof liveMinutes>;
  peers: Verb<typeof sessionPeers>;
  worstVerdicts: Verb<typeof worstVerdicts>;
  byDay: Verb<typeof sessionsByDay>;
}

/** The fleet's quality roll-ups (analytics API and report cohorts). */
export interface FleetVerbs {
  qualityByGroup: DialectVerb<typeof qualityByGroup>;
  worstPeers: DialectVerb<typeof worstPeers>;
  cohortBuckets: Verb<typeof cohortBuckets>;
  peerRollup: Verb<typeof peerRollupOfPeer>;
  rankInAsnBrowser: Verb<typeof rankInAsnBrowser>;
}

/** Background work every process runs: liveness, compaction and merge sweeps, roll-ups, retention, gauges. */
export interface MaintenanceVerbs {
  markServiceAlive: Verb<typeof markServiceAlive>;
  compactFinishedPeers: DialectVerb<typeof compactFinishedPeers>;
  mergeLivePeers: DialectVerb<typeof mergeLivePeers>;
  refreshStaleRollups: DialectVerb<typeof refreshStaleRollups>;
  ensurePartitions: DialectVerb<typeof ensurePartitions>;
  applyRetention: DialectVerb<typeof applyRetention>;
  applySummaryRetention: Verb<typeof applySummaryRetention>;
  countLivePeers: Verb<typeof countLivePeers>;
  countCompactionBacklog: Verb<typeof countCompactionBacklog>;
  countWebhookBacklog: Verb<typeof countWebhookBacklog>;
}

/** Webhook configuration and the delivery log. */
export interface WebhookVerbs {
  create: Verb<typeof createWebhook>;
  list: Verb<typeof listWebhooks>;
  find: Verb<typeof findWebhook>;
  update: Verb<typeof updateWebhook>;
  delete: Verb<typeof deleteWebhook>;
  deliveries: Verb<typeof listDeliveries>;
  /** The stored signing key that signs now. */
  currentSigningKey: Verb<typeof currentSigningKey>;
  /** Stores the first signing key (nothing when another process stored one first). */
  addFirstSigningKey: DialectVerb<typeof addFirstSigningKey>;
  /** Retires the current signing key for a new one. */
  rotateSigningKey: DialectVerb<typeof rotateSigningKey>;
  /** Apps whose webhooks subscribe to live quality alerts. */
  alertedApps: Verb<typeof alertedApps>;
  /** Their live peers seen recently (the alert scan's candidates). */
  livePeersSeenSince: Verb<typeof livePeersSeenSince>;
  /** A live peer's recent telemetry as the diagnosis engine's input. */
  liveDiagnosisInput: DialectVerb<typeof liveDiagnosisInput>;
  /** Takes the alert mark and records the alert event in one transaction; false when already fired. */
  fireAlert: Verb<typeof fireAlert>;
  /** The delivery loop's verbs (src/webhooks/webhook-dispatcher.ts). */
  delivery: WebhookDeliveryVerbs;
}

/** Webhook delivery's storage: leases on webhooks, the pending deliveries in send order, outcomes, the log. */
export interface WebhookDeliveryVerbs {
  /** Claims up to n webhooks with pending deliveries (a lease on each; other processes pass them over). */
  claim: DialectVerb<typeof claimWebhooks>;
  /** A claimed webhook's pending deliveries after a position, in send order. */
  pending: DialectVerb<typeof readPendingDeliveries>;
  /** Gives committed, unnumbered deliveries their send positions (PostgreSQL; nothing to do on SQLite). */
  sequence: DialectVerb<typeof sequenceDeliveries>;
  /** Records finished deliveries and renews the lease; false when the lease was lost or the webhook disabled. */
  record: Verb<typeof recordDeliveries>;
  /** Lets go of a lease this process holds. */
  release: Verb<typeof releaseWebhook>;
  /** Pauses a webhook for its head delivery's retry, or fails the delivery and disables the webhook. */
  retryOrDisable: Verb<typeof retryOrDisable>;
  /** Drops old finished deliveries and old alert marks. */
  prune: Verb<typeof pruneDeliveryLog>;
}

/** The warehouse export's pages. */
export interface ExportVerbs {
  finishedPeersPage: Verb<typeof finishedPeersPage>;
  newestChunkIds: Verb<typeof newestChunkIds>;
  selectedPairs: Verb<typeof selectedPairs>;
  qualityChunks: DialectVerb<typeof readQualityChunks>;
}

/** The verbs an import runs inside its one transaction (all or nothing). */
export interface StoreUnit {
  meetings: Pick<MeetingVerbs, 'create'>;
  participants: Pick<ParticipantVerbs, 'add'>;
  /** Joins (as {@link PeerVerbs.join}); closes at `at` (true when this call closed it). */
  peers: {
    join(participant: ParticipantRecord, fields: JoinFields): Promise<JoinedPeer>;
    close(peerId: string, at: number, reason: string): Promise<boolean>;
  };
  /** The same batch write as live ingest, in this unit's transaction. */
  telemetry: Pick<TelemetryVerbs, 'writeGroup'>;
}

/** The storage of one process. */
export interface Store {
  /** The backend, for display (`/healthz`, start-up line): never for branching. */
  readonly name: StoreDialect;
  /** Human-readable location (a file or `postgres://host/db`, never credentials). */
  readonly location: string;
  readonly tokens: TokenVerbs;
  readonly apps: AppVerbs;
  readonly meetings: MeetingVerbs;
  readonly participants: ParticipantVerbs;
  readonly peers: PeerVerbs;
  readonly telemetry: TelemetryVerbs;
  readonly reports: ReportVerbs;
  readonly sessions: SessionVerbs;
  readonly fleet: FleetVerbs;
  readonly maintenance: MaintenanceVerbs;
  readonly webhooks: WebhookVerbs;
  readonly exports: ExportVerbs;
  /** Runs `work` in one transaction: everything it stores commits together, or nothing does. */
  unitOfWork<T>(work: (unit: StoreUnit) => Promise<T>): Promise<T>;
  /** Closes the store; verbs fail afterwards. */
  close(): Promise<void>;
}

/** Table types of webhooks (migrations 022, 023 and 060), part of {@link import('./schema.ts').Database}. */
import type { Generated } from 'kysely';

/** A webhook configuration (RealtimeKit's Webhook object) plus its delivery state. */
export interface WebhooksTable {
  id: string;
  account_id: string;
  app_id: string;
  name: string;
  url: string;
  /** JSON array of event names. */
  events: string;
  /** 1 or 0 (portable boolean). */
  enabled: number;
  /** Why delivery switched the webhook off (persistent failure); null when enabled by hand. */
  disabled_reason: string | null;
  disabled_at: number | null;
  /** The head delivery failed: nothing is sent before this time (backoff). */
  retry_at: number | null;
  /** The process delivering this webhook now, and until when its claim holds. */
  lease_owner: string | null;
  lease_until: number | null;
  /** PostgreSQL: the highest delivery `position` handed out to this webhook (migration 060; 0 on SQLite). */
  sequenced: number;
  created_at: number;
  updated_at: number;
}

/** One event for one webhook: the outbox row, then its log entry. */
export interface WebhookDeliveriesTable {
  /** Insertion order: the delivery order within a webhook on SQLite (one writer: ids are in commit order). */
  id: Generated<number>;
  /**
   * PostgreSQL: the delivery order within a webhook, numbered after commit by the lease holder (null until then;
   * always null on SQLite). See migration 060 and webhook-order.ts.
   */
  position: number | null;
  webhook_id: string;
  account_id: string;
  app_id: string;
  /** Stable id of the event (`rtk-uuid`), the same on every attempt and every webhook. */
  event_id: string;
  event: string;
  /** The exact body bytes sent on every attempt (compact JSON). */
  body: string;
  /** pending, delivered or failed. */
  status: string;
  attempts: number;
  created_at: number;
  last_attempt_at: number | null;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
}

/** The server's RSA key pairs for `rtk-signature`; the newest unretired one signs. */
export interface WebhookSigningKeysTable {
  id: string;
  /** SPKI PEM. */
  public_key: string;
  /** PKCS#8 PEM. */
  private_key: string;
  created_at: number;
  retired_at: number | null;
}

/** The last `peer.qualityAlert` per peer and issue kind (at most one per window). */
export interface WebhookAlertsTable {
  account_id: string;
  peer_id: string;
  kind: string;
  fired_at: number;
}

/**
 * Talks to the ingest API: joins (creating the peer), uploads batches in
 * order with retry, exponential backoff and jitter, and leaves. A batch keeps
 * its `batch_id` across retries, so the server stores it at most once.
 */
import type { JoinRequest, TelemetryBatch } from '../../src/model/telemetry.ts';
import { postJson, sendOnPageHide, type HttpResult } from './http.ts';
import { backoffDelay, isRetriable, retryCeilingMs } from './retry.ts';

/** What the server answers to a join. */
export interface JoinResult {
  peer_id: string;
  session_id?: string;
  participant_id?: string;
  meeting_id?: string;
  /** After this long without a batch the server closes the peer. */
  heartbeat_timeout_s?: number;
}

/** One acknowledged batch. */
export interface BatchAck {
  batch_id: string;
  /** The server already had this batch (an earlier attempt got through but its answer was lost). */
  duplicate: boolean;
  /** Attempts it took (1 = first try). */
  attempts: number;
  /** Size of the last request body in bytes. */
  bytes: number;
}

/** Counters of the uploader. */
export interface UploadStats {
  requests: number;
  retries: number;
  bytes_sent: number;
  batches_acked: number;
  batches_dropped: number;
}

export interface UploaderOptions {
  server: string;
  token: string;
  retryBaseMs: number;
  retryMaxMs: number;
  maxQueuedBatches: number;
  requestTimeoutMs: number;
  /**
   * A batch answered with the same server error (5xx other than 503) this many
   * times in a row is given up (`batch_given_up`), so that a batch the server
   * cannot store never blocks the batches behind it.
   */
  maxServerErrorAttempts?: number;
  onError(code: string, message: string, status?: number): void;
  onAck(ack: BatchAck, batch: TelemetryBatch): void;
  /** The server closed the peer (timeout) and the uploader joined again as a new peer. */
  onRejoin?(previous: JoinResult, current: JoinResult): void;
}

/** Rejoins in a row without an acknowledged batch before the uploader gives up. */
const MAX_REJOINS = 3;

/** Default of {@link UploaderOptions.maxServerErrorAttempts}. */
const MAX_SERVER_ERROR_ATTEMPTS = 5;

/**
 * Whether `status` may be the server failing on this very batch: a 5xx, except
 * 503 (the server says it is unavailable, whatever the batch).
 */
const batchMayBeAtFault = (status: number) => status >= 500 && status !== 503;

const ok = (r: HttpResult) => r.status >= 200 && r.status < 300;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The upload queue of one peer. */
export class Uploader {
  /** Set once the join succeeded. */
  peer: JoinResult | undefined;
  closed = false;
  readonly stats: UploadStats = {
    requests: 0,
    retries: 0,
    bytes_sent: 0,
    batches_acked: 0,
    batches_dropped: 0,
  };
  private readonly queue: TelemetryBatch[] = [];
  private busy = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idle: (() => void)[] = [];
  private joinBody: JoinRequest | undefined;
  private joining = false;
  private rejoins = 0;
  /** The peer timeout the server announced at the last join (kept across a rejoin). */
  private timeoutS: number | undefined;
  /** The head batch's last server error and how many times in a row it came. */
  private serverError = { status: 0, times: 0 };

  constructor(private readonly o: UploaderOptions) {}

  /** Batches not yet acknowledged (including the one in flight). */
  get pending(): number {
    return this.queue.length;
  }

  /** The retry cap: the configured one, kept well under the server's announced peer timeout. */
  private retryMaxMs(): number {
    return retryCeilingMs(this.o.retryMaxMs, this.timeoutS);
  }

  private url(path: string): string {
    return `${this.o.server.replace(/\/+$/, '')}/ingest/v1${path}`;
  }

  private peerUrl(what: string): string {
    return this.url(`/peers/${encodeURIComponent(this.peer!.peer_id)}/${what}`);
  }

  private async post(url: string, json: string): Promise<HttpResult> {
    this.stats.requests++;
    this.stats.bytes_sent += json.length;
    return postJson(url, this.o.token, json, this.o.requestTimeoutMs);
  }

  /** Joins, retrying network errors and 5xx until it succeeds or the uploader is closed. Never rejects. */
  async join(body: JoinRequest): Promise<JoinResult | undefined> {
    this.joinBody = body;
    const json = JSON.stringify(body);
    this.joining = true;
    try {
      return await this.joinLoop(json);
    } finally {
      this.joining = false;
    }
  }

  private async joinLoop(json: string): Promise<JoinResult | undefined> {
    for (let attempt = 1; !this.closed; attempt++) {
      const r = await this.post(this.url('/join'), json);
      if (this.closed) break;
      const data = (r.body as { data?: JoinResult } | undefined)?.data;
      if (ok(r) && data?.peer_id) {
        this.peer = data;
        if (typeof data.heartbeat_timeout_s === 'number') this.timeoutS = data.heartbeat_timeout_s;
        this.pump();
        return data;
      }
      if (ok(r) || !isRetriable(r.status)) {
        this.o.onError('join_rejected', `join failed with HTTP ${r.status}`, r.status);
        this.close();
        break;
      }
      this.stats.retries++;
      await sleep(backoffDelay(attempt, this.o.retryBaseMs, this.retryMaxMs()));
    }
    return undefined;
  }

  /** Queues a batch for upload (dropping the oldest waiting batch beyond the queue limit). */
  enqueue(batch: TelemetryBatch): void {
    if (this.closed) return;
    this.queue.push(batch);
    while (this.queue.length > this.o.maxQueuedBatches) {
      this.queue.splice(this.busy ? 1 : 0, 1);
      this.stats.batches_dropped++;
      this.o.onError('queue_overflow', 'upload queue full: oldest batch dropped');
    }
    this.pump();
  }

  private pump(): void {
    if (this.closed || this.busy || !this.peer || this.timer !== undefined) return;
    const batch = this.queue[0];
    if (!batch) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    this.busy = true;
    batch.sent_at = Date.now();
    const json = JSON.stringify(batch);
    void this.post(this.peerUrl('batches'), json).then((r) => {
      this.busy = false;
      if (this.closed) return;
      const attempts = this.attempt + 1;
      if (r.status === 409 && this.rejoins < MAX_REJOINS) {
        // The server closed this peer (it timed out while we were cut off): join
        // again as a new peer and resend, under the same batch ids.
        this.rejoins++;
        const previous = this.peer!;
        this.peer = undefined;
        this.attempt = 0;
        // previous_peer_id lets the server continue this connection's counters instead of counting them from zero again.
        void this.join({
          ...this.joinBody,
          joined_at: Date.now(),
          previous_peer_id: previous.peer_id,
        }).then((current) => {
          if (current) this.o.onRejoin?.(previous, current);
        });
        return;
      }
      if (batchMayBeAtFault(r.status)) {
        this.serverError =
          r.status === this.serverError.status
            ? { status: r.status, times: this.serverError.times + 1 }
            : { status: r.status, times: 1 };
      } else {
        this.serverError = { status: 0, times: 0 };
      }
      if (this.serverError.times >= (this.o.maxServerErrorAttempts ?? MAX_SERVER_ERROR_ATTEMPTS)) {
        // The same server error again and again: this batch is the problem (it could never be stored), not the network.
        this.queue.shift();
        this.attempt = 0;
        this.serverError = { status: 0, times: 0 };
        this.stats.batches_dropped++;
        this.o.onError(
          'batch_given_up',
          `batch ${batch.batch_id} given up after ${attempts} attempts answered HTTP ${r.status}`,
          r.status,
        );
        this.pump();
      } else if (ok(r) || !isRetriable(r.status)) {
        this.queue.shift();
        this.attempt = 0;
        if (ok(r)) {
          this.rejoins = 0;
          this.stats.batches_acked++;
          const data = (r.body as { data?: { duplicate?: boolean } } | undefined)?.data;
          this.o.onAck(
            {
              batch_id: batch.batch_id,
              duplicate: data?.duplicate === true,
              attempts,
              bytes: json.length,
            },
            batch,
          );
        } else {
          this.stats.batches_dropped++;
          this.o.onError(
            'batch_rejected',
            `batch ${batch.batch_id} rejected with HTTP ${r.status}`,
            r.status,
          );
        }
        this.pump();
      } else {
        this.attempt = attempts;
        this.stats.retries++;
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.pump();
          },
          backoffDelay(attempts, this.o.retryBaseMs, this.retryMaxMs()),
        );
      }
    });
  }

  /** Resolves once every queued batch is acknowledged (true) or after `timeoutMs` (false). */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve(this.queue.length === 0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      // Skip a pending backoff: the caller wants the data out now.
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.pump();
      }
    });
  }

  /** Drains the queue (up to `drainTimeoutMs`), then leaves; closes the uploader. Never rejects. */
  async leave(reason: string, drainTimeoutMs: number): Promise<void> {
    if (this.closed) return;
    // Nothing can be uploaded without a peer, unless a join is still under way.
    if (this.peer || this.joining) await this.drain(drainTimeoutMs);
    if (this.peer && !this.closed) {
      const json = JSON.stringify({ reason, ts: Date.now() });
      for (let attempt = 1; attempt <= 3 && !this.closed; attempt++) {
        const r = await this.post(this.peerUrl('leave'), json);
        if (ok(r) || !isRetriable(r.status)) break;
        await sleep(backoffDelay(attempt, this.o.retryBaseMs, this.retryMaxMs()));
      }
    }
    this.close();
  }

  /**
   * The page is going away: sends every unacknowledged batch with
   * keepalive/beacon requests, then (when `leaveReason` is given) the leave,
   * and closes. Synchronous; duplicates of a batch already in flight are
   * harmless (same `batch_id`).
   */
  pageHide(leaveReason?: string): void {
    if (this.closed || !this.peer) return;
    let used = 0;
    const send = (url: string, json: string) => {
      used += json.length + 200;
      this.stats.requests++;
      this.stats.bytes_sent += json.length;
      sendOnPageHide(url, this.o.token, json, used > 60_000);
    };
    for (const batch of this.queue) {
      batch.sent_at = Date.now();
      send(this.peerUrl('batches'), JSON.stringify(batch));
    }
    if (leaveReason !== undefined) {
      send(this.peerUrl('leave'), JSON.stringify({ reason: leaveReason, ts: Date.now() }));
      this.close();
    }
  }

  /** Stops all uploads; queued batches are abandoned. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

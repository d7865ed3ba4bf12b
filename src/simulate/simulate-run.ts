/**
 * Runs synthetic calls against a live server over HTTP, exactly as an app
 * would: creates a meeting and participants through the RealtimeKit API (with
 * an API token), then joins each peer through the ingest API (with its
 * participant token), sends its batches and leaves. Time is compressed: a
 * call of N minutes is sent as fast as the server accepts it, with sample
 * timestamps spanning the last N minutes.
 */
import { CALL_PROFILES, PROFILE_NAMES } from './call-profiles.ts';
import { syntheticBatches } from './synthetic-call.ts';

/** Options of a simulation. */
export interface SimulateOptions {
  url: string;
  token: string;
  accountId: string;
  appId: string;
  profile: string;
  minutes: number;
  peers: number;
  batchSeconds?: number;
  seed?: number;
  /** Batches in flight per peer (1 keeps each peer's batches in order). */
  leave?: boolean;
  fetchImpl?: typeof fetch;
}

/** A created peer. */
export interface SimulatedPeer {
  peerId: string;
  sessionId: string;
  participantId: string;
  meetingId: string;
  samples: number;
  batches: number;
}

async function call(
  f: typeof fetch,
  url: string,
  token: string,
  method: string,
  body?: unknown,
): Promise<any> {
  let res: Response;
  let text: string;
  // A replayed call sends far faster than a live one: past the ingest's rate limit it waits as told (429 Retry-After).
  for (;;) {
    res = await f(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    text = await res.text();
    if (res.status !== 429) break;
    await new Promise((r) =>
      setTimeout(r, Math.max(1, Number(res.headers.get('retry-after')) || 1) * 1000),
    );
  }
  if (!res.ok)
    throw new Error(
      `${method} ${new URL(url).pathname} failed with ${res.status}: ${text.slice(0, 300)}`,
    );
  return JSON.parse(text);
}

/** Runs the simulation; `onPeer` is called as each peer finishes. */
export async function runSimulation(
  opts: SimulateOptions,
  onPeer?: (peer: SimulatedPeer) => void,
): Promise<SimulatedPeer[]> {
  const profile = CALL_PROFILES[opts.profile];
  if (!profile)
    throw new Error(
      `unknown profile '${opts.profile}'; expected one of ${PROFILE_NAMES.join(', ')}`,
    );
  const f = opts.fetchImpl ?? fetch;
  const base = `${opts.url.replace(/\/$/, '')}/client/v4/accounts/${encodeURIComponent(opts.accountId)}/realtime/kit/${encodeURIComponent(opts.appId)}`;
  const meeting = await call(f, `${base}/meetings`, opts.token, 'POST', {
    title: `simulated ${profile.name} call`,
  });
  const meetingId = meeting.data.id as string;
  const participants: { id: string; token: string }[] = [];
  for (let i = 0; i < opts.peers; i++) {
    const p = await call(f, `${base}/meetings/${meetingId}/participants`, opts.token, 'POST', {
      custom_participant_id: `sim-user-${i + 1}`,
      preset_name: 'group_call_participant',
      name: `Simulated user ${i + 1}`,
    });
    participants.push({ id: p.data.id, token: p.data.token });
  }
  const startMs = Date.now() - opts.minutes * 60_000;
  const ingest = `${opts.url.replace(/\/$/, '')}/ingest/v1`;
  const joined = await Promise.all(
    participants.map(async (p, i) => {
      const j = await call(f, `${ingest}/join`, p.token, 'POST', {
        joined_at: startMs,
        client: {
          user_agent:
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
          cpus: 8,
          webgl_support: true,
          sdk_name: 'peer-report-simulate',
          sdk_version: '0.1.0',
        },
        precall: {
          ts: startMs - 5000,
          rtt_ms: profile.rttMs,
          jitter_ms: profile.jitterMs,
          throughput_kbps: Math.round(profile.videoBitrate / 500),
          fractional_loss: profile.loss,
          host_connectivity: true,
          reflexive_connectivity: true,
          relay_connectivity: true,
          turn_connectivity: true,
        },
      });
      return {
        participant: p,
        peerId: j.data.peer_id as string,
        sessionId: j.data.session_id as string,
        index: i,
      };
    }),
  );
  const peerIds = joined.map((j) => j.peerId);
  return Promise.all(
    joined.map(async (j) => {
      const remotes = peerIds.filter((id) => id !== j.peerId);
      let samples = 0;
      let batches = 0;
      for (const batch of syntheticBatches({
        profile,
        startMs,
        minutes: opts.minutes,
        batchSeconds: opts.batchSeconds,
        seed: (opts.seed ?? 1) * 1000 + j.index,
        remotePeerIds: remotes.length ? remotes : [undefined],
        batchIdPrefix: `${j.peerId}-b`,
      })) {
        await call(f, `${ingest}/peers/${j.peerId}/batches`, j.participant.token, 'POST', batch);
        samples += batch.samples?.length ?? 0;
        batches++;
      }
      // The simulated call ends `minutes` after it started, however long the upload took.
      if (opts.leave !== false)
        await call(f, `${ingest}/peers/${j.peerId}/leave`, j.participant.token, 'POST', {
          reason: 'left',
          ts: Math.round(startMs + opts.minutes * 60_000),
        });
      const out: SimulatedPeer = {
        peerId: j.peerId,
        sessionId: j.sessionId,
        participantId: j.participant.id,
        meetingId,
        samples,
        batches,
      };
      onPeer?.(out);
      return out;
    }),
  );
}

/**
 * The fleet rollups take their verdict and issue kinds from the stored
 * diagnosis (src/rollup/rollup-diagnosis.ts) instead of the interim rule of
 * migration 030's time. Rollups stored before are brought over in place,
 * without reading telemetry (which retention may have removed):
 *
 * - `peer_rollups.issue_mask`: the interim bits become the diagnosis kinds
 *   they correspond to (`high_loss` → `packet_loss`, `high_rtt` → `high_rtt`,
 *   `high_jitter` → `jitter`, `relay_tcp` → `relay_over_tcp`); the MOS-only
 *   kinds (`low_audio_mos`, `low_video_mos`) have no diagnosis kind and are
 *   dropped. The buckets' issue counts (`rollup_buckets.data.k`) are renamed
 *   and dropped the same way.
 * - `peer_rollups.verdict`: the peer's stored listing verdict after blame
 *   (`peers.verdict_rank`) where it has one, with `severity` and the
 *   buckets' verdict counts (`data.v`) moved accordingly; a peer without a
 *   stored diagnosis keeps the verdict it had.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Interim kind → diagnosis kind (absent: dropped). */
const KIND_NAMES: Record<string, string> = {
  high_loss: 'packet_loss',
  high_rtt: 'high_rtt',
  high_jitter: 'jitter',
  relay_tcp: 'relay_over_tcp',
};
const VERDICTS = ['good', 'fair', 'poor', 'bad'];
/** The bucket dimensions a peer counts in besides `all` (src/rollup/peer-rollup.ts at this version). */
const DIMS = ['hour', 'browser', 'os', 'country', 'asn', 'network'] as const;
const PAGE = 5_000;

/** Brings the stored rollups over to the diagnosis' kinds and verdicts. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  // Interim bits 0–2 keep their positions (packet_loss, high_rtt, jitter); bit 5 (relay_tcp) → bit 11 (relay_over_tcp).
  await sql`update peer_rollups set issue_mask = (issue_mask & 7) + (case when (issue_mask & 32) <> 0 then 2048 else 0 end)`.execute(
    db,
  );

  // Verdicts from the stored diagnosis: per bucket, the verdict count moves.
  const moves = new Map<string, number[]>();
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('peer_rollups as r')
      .innerJoin('peers as p', 'p.id', 'r.peer_id')
      .select([
        'r.peer_id',
        'r.app_id',
        'r.day',
        'r.hour',
        'r.browser',
        'r.os',
        'r.country',
        'r.asn',
        'r.network',
        'r.verdict',
        'r.severity',
        'p.verdict_rank',
      ])
      .where('p.verdict_rank', 'is not', null)
      .where('r.peer_id', '>', after)
      .orderBy('r.peer_id')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1].peer_id;
    for (const r of rows) {
      const verdict = VERDICTS[Number(r.verdict_rank)];
      if (!verdict || verdict === r.verdict) continue;
      const severity = Number(r.verdict_rank) * 1000 + (Number(r.severity) % 1000);
      await db
        .updateTable('peer_rollups')
        .set({ verdict, severity })
        .where('peer_id', '=', r.peer_id)
        .execute();
      const keys = [['all', ''], ...DIMS.map((d) => [d, String(r[d])])];
      for (const [dim, value] of keys) {
        const key = JSON.stringify([r.app_id, dim, r.day, value]);
        let v = moves.get(key);
        if (!v) moves.set(key, (v = [0, 0, 0, 0]));
        v[VERDICTS.indexOf(String(r.verdict))] -= 1;
        v[VERDICTS.indexOf(verdict)] += 1;
      }
    }
  }

  // Buckets: kind names renamed, verdict counts moved.
  let lastKey: [string, string, string, string] | undefined;
  for (;;) {
    let q = db
      .selectFrom('rollup_buckets')
      .select(['app_id', 'dim', 'day', 'value', 'data'])
      .orderBy('app_id')
      .orderBy('dim')
      .orderBy('day')
      .orderBy('value')
      .limit(PAGE);
    if (lastKey) {
      const [a, d, y, v] = lastKey;
      q = q.where((eb) =>
        eb(eb.refTuple('app_id', 'dim', 'day', 'value'), '>', eb.tuple(a, d, y, v)),
      );
    }
    const rows = await q.execute();
    if (rows.length === 0) break;
    const last = rows[rows.length - 1];
    lastKey = [last.app_id, last.dim, last.day, last.value];
    for (const b of rows) {
      const data = JSON.parse(b.data) as { v?: number[]; k?: Record<string, number> };
      const k: Record<string, number> = {};
      for (const [name, n] of Object.entries(data.k ?? {})) {
        const to =
          KIND_NAMES[name] ?? (Object.values(KIND_NAMES).includes(name) ? name : undefined);
        if (to) k[to] = (k[to] ?? 0) + n;
      }
      data.k = k;
      const move = moves.get(JSON.stringify([b.app_id, b.dim, b.day, b.value]));
      if (move) {
        const v = data.v ?? [0, 0, 0, 0];
        move.forEach((n, i) => (v[i] = (v[i] ?? 0) + n));
        data.v = v;
      }
      await db
        .updateTable('rollup_buckets')
        .set({ data: JSON.stringify(data) })
        .where('app_id', '=', b.app_id)
        .where('dim', '=', b.dim)
        .where('day', '=', b.day)
        .where('value', '=', b.value)
        .execute();
    }
  }
}

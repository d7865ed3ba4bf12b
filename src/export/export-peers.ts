/**
 * The export of an app's finished peers, as a stream of text chunks in
 * constant memory: pages of {@link PAGE_SIZE} peers are read from the store
 * in export order (keyset pagination) only when the consumer asks for more
 * (an async generator: the HTTP route pulls it as the socket drains, the CLI
 * through a pipeline to stdout), and each page becomes one chunk of text.
 *
 * A peer's figures are its stored aggregates (computed when its chunks were
 * compacted), the same the peer report serves; a peer not compacted yet, or
 * whose aggregates a late chunk made stale, has them computed here from its
 * chunks' metric columns alone, one peer at a time. A peer whose telemetry
 * retention removed keeps the aggregates stored before (none if it expired
 * before compaction). Its verdict and issues are those of its stored
 * diagnosis after blame (none before compaction).
 */
import type { Store } from '../store/store.ts';
import {
  finishedPeersPage,
  newestChunkIds,
  selectedPairs,
  type FinishedPeerRow,
} from '../store/finished-peers-page.ts';
import {
  computeQualityAggregates,
  type QualityAggregates,
} from '../analytics/quality-aggregates.ts';
import { DIAGNOSIS_METHOD, type DiagnosisReport } from '../analytics/diagnosis/engine.ts';
import { encodeCursor } from './export-cursor.ts';
import { csvHeader, encodeRows } from './export-format.ts';
import { exportRow, lastSelectedPair, type ExportRow } from './export-row.ts';
import type { ExportParams } from './export-params.ts';

/** Peers read per page: bounds the memory of an export (each carries a few KB of aggregates). */
export const PAGE_SIZE = 100;

/** Which app. */
export interface ExportScope {
  accountId: string;
  appId: string;
}

/** The rows of the export, page by page. */
export async function* exportPeerPages(
  store: Store,
  scope: ExportScope,
  params: ExportParams,
  pageSize = PAGE_SIZE,
): AsyncGenerator<ExportRow[]> {
  let after = params.after;
  let left = params.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const limit = Math.min(pageSize, left);
    const peers = await store.exports.finishedPeersPage({
      ...scope,
      since: params.since,
      until: params.until,
      after,
      limit,
    });
    if (peers.length === 0) return;
    yield await pageRows(store, peers);
    left -= peers.length;
    if (peers.length < limit) return;
    const last = peers[peers.length - 1];
    after = { leftAt: last.left_at, peerId: last.id };
  }
}

/** The export as text chunks in `params.format` (a CSV header first, even when no peer matches). */
export async function* exportText(
  pages: AsyncIterable<ExportRow[]>,
  params: ExportParams,
  onPage?: (rows: ExportRow[]) => void,
): AsyncGenerator<string> {
  if (params.format === 'csv') yield csvHeader();
  for await (const rows of pages) {
    onPage?.(rows);
    yield encodeRows(rows, params.format);
  }
}

async function pageRows(store: Store, peers: FinishedPeerRow[]): Promise<ExportRow[]> {
  const ids = peers.map((p) => p.id);
  const [newest, pairs] = await Promise.all([
    store.exports.newestChunkIds(ids),
    store.exports.selectedPairs(ids),
  ]);
  const pairsByPeer = new Map<string, typeof pairs>();
  for (const p of pairs) {
    let list = pairsByPeer.get(p.peer_id);
    if (!list) pairsByPeer.set(p.peer_id, (list = []));
    list.push(p);
  }
  const rows: ExportRow[] = [];
  for (const peer of peers) {
    rows.push(
      exportRow({
        peer,
        participant: peer,
        aggregates: await aggregatesOf(store, peer, newest.get(peer.id)),
        selectedPair: lastSelectedPair(pairsByPeer.get(peer.id) ?? []),
        diagnosis: storedDiagnosis(peer.diagnosis_final),
        cursor: encodeCursor({ leftAt: peer.left_at, peerId: peer.id }),
      }),
    );
  }
  return rows;
}

/** The stored diagnosis after blame, when there is one of the current method. */
function storedDiagnosis(json: string | null): DiagnosisReport | undefined {
  if (json === null) return undefined;
  try {
    const d = JSON.parse(json) as DiagnosisReport;
    return d.method === DIAGNOSIS_METHOD ? d : undefined;
  } catch {
    return undefined;
  }
}

/** The peer's aggregates: stored when they cover its newest chunk (or its chunks are gone), else computed from its metric columns. */
async function aggregatesOf(
  store: Store,
  peer: FinishedPeerRow,
  newestChunk: number | undefined,
): Promise<QualityAggregates | undefined> {
  const stored = peer.quality_aggregates;
  // As the report decides (storedQualityAggregates): no chunk counts as id 0.
  if (
    stored !== null &&
    ((newestChunk ?? 0) === peer.quality_aggregates_upto || peer.expired_at !== null)
  )
    return JSON.parse(stored) as QualityAggregates;
  if (newestChunk === undefined)
    return peer.expired_at !== null ? undefined : computeQualityAggregates([]);
  return computeQualityAggregates(
    await store.exports.qualityChunks(peer.id, { withoutRows: true }),
  );
}

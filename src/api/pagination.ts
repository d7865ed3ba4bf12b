/** `page_no` / `per_page` query parameters and the `paging` block. */
import { badRequest } from './errors.ts';

/** Largest page a client may ask for. */
export const MAX_PER_PAGE = 100;

/** A resolved page request. */
export interface PageRequest {
  pageNo: number;
  perPage: number;
  offset: number;
}

function intParam(
  name: string,
  raw: string | undefined,
  def: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw)) throw badRequest(name, `expected an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw badRequest(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Parses the page parameters (page_no 0 is read as 1; per_page 0 as the default). */
export function parsePage(
  pageNo: string | undefined,
  perPage: string | undefined,
  defaultPerPage = 20,
): PageRequest {
  const p = Math.max(1, intParam('page_no', pageNo, 1, 0, 1_000_000));
  const s = intParam('per_page', perPage, defaultPerPage, 0, MAX_PER_PAGE) || defaultPerPage;
  return { pageNo: p, perPage: s, offset: (p - 1) * s };
}

/** The `paging` block: 1-based offsets of the first and last item returned. */
export function pagingBlock(
  page: PageRequest,
  returned: number,
  total: number,
): { start_offset: number; end_offset: number; total_count: number } {
  if (returned === 0) return { start_offset: 0, end_offset: 0, total_count: total };
  return { start_offset: page.offset + 1, end_offset: page.offset + returned, total_count: total };
}

// One page of a long list: which page a URL asks for, which rows it holds, and how the page says where it is.

export interface PageInfo {
  /** 1-based, clamped to the pages that exist (an empty list has one empty page). */
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
  /** 1-based positions of the first and last row shown; 0 and 0 when nothing is shown. */
  first: number;
  last: number;
}

// A hand-edited ?page= beyond this is read as the last page, never a huge offset.
const MAX_PAGE = 1_000_000;

/** ?page= from a URL: plain decimal digits from 1; anything else is page 1, never an error. */
export function readPageNumber(value: string | string[] | undefined): number {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || !/^\d{1,7}$/.test(text)) return 1;
  const page = Number(text);
  return page >= 1 ? Math.min(page, MAX_PAGE) : 1;
}

/** Where a page starts and ends in a list of `total` rows; a page past the end shows the last one. */
export function pageInfo(total: number, requestedPage: number, pageSize: number): PageInfo {
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(requestedPage) || 1), pageCount);
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return { page, pageSize, total, pageCount, first, last };
}

/** The rows of one page, with where it sits. */
export function paginate<T>(
  rows: readonly T[],
  requestedPage: number,
  pageSize: number,
): { rows: T[]; page: PageInfo } {
  const page = pageInfo(rows.length, requestedPage, pageSize);
  return { rows: rows.slice(Math.max(0, page.first - 1), page.last), page };
}

const count = (n: number) => n.toLocaleString("en-US");

/** "1–50 of 2,000"; "0 of 0" for an empty list. */
export function pageRangeText(page: PageInfo): string {
  if (page.total === 0) return "0 of 0";
  return `${count(page.first)}–${count(page.last)} of ${count(page.total)}`;
}

// proxy.ts records which page was asked for, so a page that finds no valid session can send the visitor back to it after sign-in.
export const REQUESTED_PATH_HEADER = "x-portal-requested-path";

/** The path and query a visitor asked for; Next's own `_rsc` cache-buster is not part of the address they meant. */
export function requestedPath(url: Pick<URL, "pathname" | "search" | "searchParams">): string {
  if (!url.searchParams.has("_rsc")) return url.pathname + url.search;
  const search = new URLSearchParams(url.search);
  search.delete("_rsc");
  const query = search.toString();
  return url.pathname + (query ? `?${query}` : "");
}

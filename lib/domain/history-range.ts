// A history range whose start is not before its end can match nothing: say so instead of showing an empty result.

export const INVERTED_RANGE_MESSAGE =
  "The From date is after the To date, so nothing can match: swap them or change one.";

/** `toExclusive` is the end of the range as the query uses it (a bare To date already includes its whole day). */
export function historyRangeProblem(from: Date | null, toExclusive: Date | null): string | null {
  if (!from || !toExclusive) return null;
  return from.getTime() >= toExclusive.getTime() ? INVERTED_RANGE_MESSAGE : null;
}

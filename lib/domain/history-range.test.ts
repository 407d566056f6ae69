import { describe, expect, it } from "vitest";
import { historyRangeProblem, INVERTED_RANGE_MESSAGE } from "./history-range";

const d = (iso: string) => new Date(iso);

describe("a history range must start before it ends", () => {
  it.each<[string, Date | null, Date | null, string | null]>([
    ["From after To", d("2026-03-10T00:00:00Z"), d("2026-03-02T00:00:00Z"), INVERTED_RANGE_MESSAGE],
    ["From at To's exclusive end", d("2026-03-02T00:00:00Z"), d("2026-03-02T00:00:00Z"), INVERTED_RANGE_MESSAGE],
    ["one whole day (From = To as dates)", d("2026-03-01T00:00:00Z"), d("2026-03-02T00:00:00Z"), null],
    ["From one millisecond before To", d("2026-03-01T23:59:59.999Z"), d("2026-03-02T00:00:00Z"), null],
    ["only From", d("2026-03-10T00:00:00Z"), null, null],
    ["only To", null, d("2026-03-02T00:00:00Z"), null],
    ["neither", null, null, null],
  ])("%s", (_label, from, to, expected) => {
    expect(historyRangeProblem(from, to)).toBe(expected);
  });
});

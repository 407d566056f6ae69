import { describe, expect, it } from "vitest";
import { pageInfo, pageRangeText, paginate, readPageNumber } from "./pagination";

describe("readPageNumber", () => {
  it.each([
    [undefined, 1],
    ["", 1],
    ["1", 1],
    ["2", 2],
    ["40", 40],
    [["3", "9"], 3],
    ["0", 1],
    ["-2", 1],
    ["1e3", 1],
    ["0x10", 1],
    ["2.5", 1],
    [" 2", 1],
    ["٣", 1],
    ["99999999", 1],
    ["9999999", 1_000_000],
  ] as const)("reads %j as page %i", (value, expected) => {
    expect(readPageNumber(value as string | string[] | undefined)).toBe(expected);
  });
});

describe("pageInfo and paginate", () => {
  const rows = Array.from({ length: 2000 }, (_, i) => i + 1);

  it.each([
    // [total, requested, size, page, first, last, pageCount]
    [2000, 1, 50, 1, 1, 50, 40],
    [2000, 2, 50, 2, 51, 100, 40],
    [2000, 40, 50, 40, 1951, 2000, 40],
    [2000, 41, 50, 40, 1951, 2000, 40],
    [2001, 41, 50, 41, 2001, 2001, 41],
    [50, 1, 50, 1, 1, 50, 1],
    [51, 2, 50, 2, 51, 51, 2],
    [0, 1, 50, 1, 0, 0, 1],
    [0, 7, 50, 1, 0, 0, 1],
    [10, 0, 50, 1, 1, 10, 1],
    [10, -3, 50, 1, 1, 10, 1],
    [10, Number.NaN, 50, 1, 1, 10, 1],
  ])("%i rows, page %d of size %i", (total, requested, size, page, first, last, pageCount) => {
    expect(pageInfo(total, requested, size)).toEqual({ page, pageSize: size, total, pageCount, first, last });
  });

  it("slices exactly the rows of the page, with no gap or overlap between pages", () => {
    const seen: number[] = [];
    for (let page = 1; page <= 40; page++) seen.push(...paginate(rows, page, 50).rows);
    expect(seen).toEqual(rows);
    expect(paginate(rows, 2, 50).rows[0]).toBe(51);
    expect(paginate(rows, 99, 50).rows).toEqual(rows.slice(1950));
    expect(paginate([], 3, 50)).toEqual({ rows: [], page: pageInfo(0, 1, 50) });
  });

  it("says where the page is in words", () => {
    expect(pageRangeText(pageInfo(2000, 1, 50))).toBe("1–50 of 2,000");
    expect(pageRangeText(pageInfo(2000, 40, 50))).toBe("1,951–2,000 of 2,000");
    expect(pageRangeText(pageInfo(0, 1, 50))).toBe("0 of 0");
  });
});

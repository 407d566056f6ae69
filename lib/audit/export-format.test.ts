import { describe, expect, it } from "vitest";
import { parseAnchor } from "./anchor";
import { csvCell, csvLine, jsonLine, parseCsv } from "./export-format";

describe("csvCell", () => {
  it.each([
    [`=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\t=1", `'\t=1`],
    ["plain", "plain"],
    ["", ""],
  ])("neutralises %j as a formula", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it("quotes separators, quotes and line breaks, and escapes after neutralising", () => {
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell("\rx")).toBe(`"'\rx"`);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it("writes nulls as empty cells and dates as ISO strings", () => {
    expect(csvLine([null, undefined, new Date(0), true, 3])).toBe(",,1970-01-01T00:00:00.000Z,true,3\r\n");
  });

  it("round-trips through the reader", () => {
    const values = ["a,b", 'q"q', "x\r\ny", "", "-2"];
    expect(parseCsv(csvLine(values) + csvLine(["1"]))).toEqual([["a,b", 'q"q', "x\r\ny", "", "'-2"], ["1"]]);
  });
});

describe("jsonLine", () => {
  it("keeps one document per line even with newlines in values", () => {
    const line = jsonLine({ text: "a\nb", n: 1 });
    expect(line.split("\n")).toHaveLength(2);
    expect(JSON.parse(line)).toEqual({ text: "a\nb", n: 1 });
  });
});

describe("parseAnchor", () => {
  const hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  it.each([`1042 ${hash}`, `seq=1042 hash=${hash}`, `Latest hash (seq 1042): ${hash}`, `1042 ${hash.toUpperCase()}`])(
    "reads %s",
    (text) => {
      expect(parseAnchor(text)).toEqual({ seq: 1042n, hash });
    },
  );
  it("rejects text without a full hash", () => {
    expect(parseAnchor("1042 9f86d0")).toBeNull();
    expect(parseAnchor(hash)).toBeNull();
  });
});

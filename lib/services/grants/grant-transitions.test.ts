import { describe, expect, it } from "vitest";

// Read through the bundler so this test itself needs no node:fs.
const sources = import.meta.glob<string>(["../**/*.ts", "!../**/*.test.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

/** The argument text of every `.grant.<write>(...)` and `.groupGrant.<write>(...)` call in a source. */
function grantWrites(text: string): string[] {
  const writes: string[] = [];
  for (const match of text.matchAll(/\.(?:grant|groupGrant)\.(?:update|updateMany|upsert|create|createMany)\(/g)) {
    let depth = 1;
    let end = match.index + match[0].length;
    while (depth > 0 && end < text.length) {
      if (text[end] === "(") depth++;
      else if (text[end] === ")") depth--;
      end++;
    }
    writes.push(text.slice(match.index, end));
  }
  return writes;
}

describe("one writer for grant statuses", () => {
  it("finds the service sources", () => {
    expect(Object.keys(sources)).toContain("./grant-transitions.ts");
    expect(Object.keys(sources).length).toBeGreaterThan(20);
  });

  // A status write anywhere else would bypass transitionGrant and the compare-and-set on the status read (moveGrant).
  it.each(Object.entries(sources).filter(([file]) => file !== "./grant-transitions.ts"))(
    "%s changes grants and group grants only through moveGrant and moveGroupGrant",
    (_file, text) => {
      for (const write of grantWrites(text)) {
        if (/^\.(?:grant|groupGrant)\.create/.test(write)) continue;
        expect(write).not.toMatch(/\bstatus\b/);
      }
    },
  );
});

import { describe, expect, it } from "vitest";

// Read through the bundler so this test itself needs no node:fs.
const sources = import.meta.glob<string>(["./*.ts", "!./*.test.ts"], { query: "?raw", import: "default", eager: true });

const FORBIDDEN_IMPORTS = [
  /from\s+["'](?:node:|fs|path|os|child_process)/,
  /from\s+["'][^"']*(?:prisma|generated)/i,
  /from\s+["']next(?:\/|["'])/,
  /from\s+["']@aws-sdk\//,
  /from\s+["']server-only["']/,
  /from\s+["'][^"']*\/(?:env|db)["']/,
];

describe("lib/domain stays pure", () => {
  it("finds the domain sources", () => {
    expect(Object.keys(sources).length).toBeGreaterThanOrEqual(6);
  });

  it.each(Object.entries(sources))("%s imports no I/O, framework or environment", (_file, text) => {
    for (const pattern of FORBIDDEN_IMPORTS) expect(text).not.toMatch(pattern);
    expect(text).not.toMatch(/process\.env|Date\.now\(\)|new Date\(\)/);
  });
});

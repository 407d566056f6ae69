import { describe, expect, it } from "vitest";
import { PRESENTED_ALERT_KINDS } from "../../domain/alert-presentation";

// Read through the bundler so this test itself needs no node:fs.
const sources = import.meta.glob<string>(["../**/*.ts", "!../**/*.test.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Every *_ALERT_KIND constant a service declares, and every kind written as a literal in a recordAlert/raiseAlert call. */
function raisedAlertKinds(): Set<string> {
  const constants = new Map<string, string>();
  for (const text of Object.values(sources))
    for (const match of text.matchAll(/\b([A-Z_]+_ALERT_KIND) = "([^"]+)"/g)) constants.set(match[1]!, match[2]!);
  const kinds = new Set<string>(constants.values());
  for (const text of Object.values(sources))
    for (const call of text.matchAll(/\b(?:recordAlert|raiseAlert)\(/g)) {
      const kind = text.slice(call.index, call.index + 800).match(/\bkind: (?:"([^"]+)"|([A-Z_]+_ALERT_KIND))/);
      if (kind) kinds.add(kind[1] ?? constants.get(kind[2]!) ?? `unresolved ${kind[2]}`);
    }
  return kinds;
}

describe("alert kinds", () => {
  it("finds the alerts the services raise", () => {
    expect(raisedAlertKinds().size).toBeGreaterThan(12);
  });

  // A kind without its own heading would reach the security channel as "A security alert was raised" only.
  it.each([...raisedAlertKinds()].sort())("%s has a heading and advice of its own", (kind) => {
    expect(PRESENTED_ALERT_KINDS).toContain(kind);
  });
});

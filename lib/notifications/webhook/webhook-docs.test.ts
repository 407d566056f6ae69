import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { WEBHOOK_EVENT_TYPES } from "../../domain/notifications";

// The documented event lists must follow the code: a new event type is not done until operators can read about it.
describe("docs list every event type", () => {
  for (const doc of ["docs/webhooks.md", "docs/notifications.md"]) {
    it(doc, () => {
      const text = fs.readFileSync(doc, "utf8");
      const documented = [...text.matchAll(/^\| `([a-z]+\.[a-z_]+)`/gm)].map((m) => m[1]);
      expect(new Set(documented)).toEqual(new Set(WEBHOOK_EVENT_TYPES));
    });
  }
});

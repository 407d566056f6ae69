import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { recordRefusal } from "../refusals/record-refusal";
import { listRefusals } from "./refusal-list";

let harness: ServiceHarness;

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: "version: 1\nrules: []\n", systemJob: "refusal-list-test" });
});
afterAll(async () => harness?.stop());

describe("listRefusals", () => {
  it("shows security the first refusal of a minute and the folded rest as one summary, newest first", async () => {
    const alice = harness.users.alice!;
    const start = new Date("2026-01-01T10:00:00Z");
    const at = (seconds: number) => ({
      ...harness.ctxFor(alice),
      now: () => new Date(start.getTime() + seconds * 1000),
    });
    for (let i = 0; i < 5; i++) {
      await recordRefusal(at(i), {
        verb: "request.revoke",
        target: `req-${i}`,
        code: "FORBIDDEN",
        reason: "Your role does not allow this.",
      });
    }
    // The next minute's refusal closes the first window and writes its summary.
    await recordRefusal(at(90), {
      verb: "request.revoke",
      target: "req-9",
      code: "FORBIDDEN",
      reason: "Your role does not allow this.",
    });

    const { rows, older } = await listRefusals({ ctx: harness.ctxFor(harness.users.carol!), input: {} });
    expect(older).toBeNull();
    expect(rows.map((r) => [r.verb, r.repeated, r.count, r.target])).toEqual([
      ["request.revoke", false, 1, "req-9"],
      ["request.revoke", true, 4, "req-4"],
      ["request.revoke", false, 1, "req-0"],
    ]);
    expect(rows.every((r) => r.actorLabel === alice.email && r.code === "FORBIDDEN")).toBe(true);
  });

  it("is for auditors and admins only, and a bad cursor is a validation error", async () => {
    await expect(listRefusals({ ctx: harness.ctxFor(harness.users.alice!), input: {} })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      listRefusals({ ctx: harness.ctxFor(harness.users.carol!), input: { before: "1e3" } }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
  });
});

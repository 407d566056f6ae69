import { describe, expect, it } from "vitest";
import { readRequestPrefill, requestAgainQuery } from "./request-prefill";

const POWER = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-power";
const READ = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-read";

const asParams = (query: string) => {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const previous = out[key];
    out[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return out;
};

describe("request again", () => {
  it("round-trips targets, duration and a multi-line justification", () => {
    const query = requestAgainQuery({
      targets: [
        { accountId: "210987654321", permissionSetArn: POWER },
        { accountId: "310987654321", permissionSetArn: READ },
      ],
      durationMinutes: 90,
      justification: "Rotate keys & 50% done\nsecond line",
    });
    expect(readRequestPrefill(asParams(query))).toEqual({
      targets: [`210987654321|${POWER}`, `310987654321|${READ}`],
      durationMinutes: 90,
      justification: "Rotate keys & 50% done\nsecond line",
    });
  });

  it.each([
    ["no parameters at all", {}, undefined],
    [
      "a target that is not an account and permission set",
      { target: "x|y", duration: "60" },
      { targets: [], durationMinutes: 60, justification: "" },
    ],
    [
      "a negative duration",
      { duration: "-5", justification: "a" },
      { targets: [], durationMinutes: null, justification: "a" },
    ],
    [
      "a fractional duration",
      { duration: "1.5", justification: "a" },
      { targets: [], durationMinutes: null, justification: "a" },
    ],
    [
      "a duration over 30 days",
      { duration: "999999", justification: "a" },
      { targets: [], durationMinutes: null, justification: "a" },
    ],
    [
      "control and text-direction characters in the justification",
      { justification: "ok\u0000\u202Eevil\tdone" },
      { targets: [], durationMinutes: null, justification: "okevil\tdone" },
    ],
    [
      "the same target twice",
      { target: [`210987654321|${POWER}`, `210987654321|${POWER}`] },
      { targets: [`210987654321|${POWER}`], durationMinutes: null, justification: "" },
    ],
  ])("drops %s", (_label, params, expected) => {
    expect(readRequestPrefill(params)).toEqual(expected);
  });

  it("caps a very long justification", () => {
    expect(readRequestPrefill({ justification: "a".repeat(10_000) })!.justification).toHaveLength(2000);
  });
});

import { describe, expect, it } from "vitest";
import { alertPresentation } from "./alert-presentation";

describe("alertPresentation", () => {
  it.each([
    ["removal-unverified", "A removal is not verified"],
    ["drift-removal-unverified", "A removal of access granted outside the portal is not verified"],
    ["assignment-missing", "Access was removed outside the portal"],
    ["session-revocation-failed", "Live AWS sessions may not be cut"],
    ["policy.invalid", "The access policy file is invalid"],
    ["group-removal-unverified", "A group membership removal is not verified"],
    ["group-member-out-of-band", "A member was added to a portal-managed group outside the portal"],
    // Never claim a removal failed for an alert that is about something else, or about nothing known.
    ["some-future-kind", "A security alert was raised"],
    ["", "A security alert was raised"],
    [undefined, "A security alert was raised"],
    [42, "A security alert was raised"],
    ["toString", "A security alert was raised"],
    ["__proto__", "A security alert was raised"],
  ])("%s → %s", (kind, heading) => {
    expect(alertPresentation(kind).heading).toBe(heading);
  });
});

import { describe, expect, it } from "vitest";
import { classifyAssignment, type AssignmentClass, type AssignmentFacts } from "./inventory-classification";

const none: AssignmentFacts = {
  principalType: "USER",
  standing: false,
  backedByGrant: false,
  openFinding: false,
  inPolicyScope: false,
};

const cases: [string, Partial<AssignmentFacts>, AssignmentClass][] = [
  ["a user nothing explains on a target the policy never names", {}, "outside-scope"],
  ["a group nothing explains on a target the policy never names", { principalType: "GROUP" }, "outside-scope"],
  ["a user nothing explains on a watched target (not judged yet)", { inPolicyScope: true }, "unrecorded"],
  ["a user a live grant backs", { backedByGrant: true, inPolicyScope: true }, "jit"],
  ["a grant backs it even if the policy no longer names the target", { backedByGrant: true }, "jit"],
  [
    "a group never counts as JIT, even with a grant for the same id",
    { principalType: "GROUP", backedByGrant: true },
    "outside-scope",
  ],
  ["a standing tuple", { standing: true }, "standing"],
  ["standing outlives a grant on the same tuple", { standing: true, backedByGrant: true }, "standing"],
  ["a standing group", { principalType: "GROUP", standing: true, inPolicyScope: true }, "standing"],
  ["an open out-of-band finding", { openFinding: true, inPolicyScope: true }, "out-of-band"],
  ["an out-of-band group", { principalType: "GROUP", openFinding: true }, "out-of-band"],
  ["a grant that started after the finding was opened backs it", { openFinding: true, backedByGrant: true }, "jit"],
  ["accepted drift (standing) with a finding still open", { standing: true, openFinding: true }, "standing"],
];

describe("classifyAssignment", () => {
  it.each(cases)("%s", (_name, facts, expected) => {
    expect(classifyAssignment({ ...none, ...facts })).toBe(expected);
  });
});

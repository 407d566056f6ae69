import { describe, expect, it } from "vitest";
import { eligibleGroups, groupPolicyTarget } from "./eligible-groups";
import { evaluateTarget } from "./policy";
import { identityCenterGroupKey, PolicyDocument } from "./policy-schema";

const policy = PolicyDocument.parse({
  version: 1,
  rules: [
    {
      id: "everything-everywhere",
      requesters: { groups: ["*"] },
      accounts: { ids: ["*"] },
      permissionSets: ["*"],
      maxDurationMinutes: 480,
      approval: { auto: true },
    },
  ],
  groupRules: [
    {
      id: "data-db-admins",
      requesters: { groups: ["team-data"], identityCenterGroups: ["oncall"] },
      identityCenterGroups: ["prod-db-admins", "staging-db-admins"],
      maxDurationMinutes: 120,
      ticket: { required: true, pattern: "^INC-[0-9]+$", hint: "INC-1" },
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
    },
    {
      id: "oncall-prod-db-short",
      requesters: { identityCenterGroups: ["oncall"] },
      identityCenterGroups: ["prod-db-admins"],
      maxDurationMinutes: 30,
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 2 },
    },
    {
      id: "self-approved-only",
      requesters: { users: ["lone@example.com"] },
      identityCenterGroups: ["lonely-group"],
      maxDurationMinutes: 60,
      approval: { auto: false, approvers: { users: ["lone@example.com"] }, required: 1 },
    },
  ],
});

const names = (email: string, groups: string[]) => eligibleGroups(policy, { email, groups }).map((g) => g.name);

describe("eligibleGroups", () => {
  it.each([
    ["an IdP group a group rule names", ["team-data"], ["prod-db-admins", "staging-db-admins"]],
    ["no group rule's requester (an account rule with * covers no group)", ["engineering"], []],
    ["an IdP claim spelled like the Identity Center selector", ["oncall"], []],
    [
      "an Identity Center group the selector names",
      [identityCenterGroupKey("oncall")],
      ["prod-db-admins", "staging-db-admins"],
    ],
    ["nothing at all", [], []],
  ])("with %s", (_why, groups, expected) => {
    expect(names("erin@example.com", groups)).toEqual(expected);
  });

  it("combines every group rule that applies, strictest first, as the create verb does", () => {
    const requester = { email: "erin@example.com", groups: ["team-data", identityCenterGroupKey("oncall")] };
    const [prod] = eligibleGroups(policy, requester);
    const verdict = evaluateTarget(policy, requester, groupPolicyTarget("prod-db-admins"));
    expect(verdict.allowed).toBe(true);
    expect(prod).toMatchObject({
      name: "prod-db-admins",
      ruleIds: ["data-db-admins", "oncall-prod-db-short"],
      maxDurationMinutes: 30,
      maxDurationLabel: "30 min",
      ticket: { required: true, examples: ["INC-1"] },
      autoApprove: false,
      requiredApprovals: 2,
    });
  });

  it("leaves out a group nobody but the requester could approve", () => {
    expect(names("lone@example.com", [])).toEqual([]);
  });

  it("reads a group target as the policy's own kind of target: no account, no permission set", () => {
    expect(groupPolicyTarget("prod-db-admins")).toEqual({
      account: { id: "", ouIds: [] },
      permissionSetName: "",
      identityCenterGroup: "prod-db-admins",
    });
  });
});

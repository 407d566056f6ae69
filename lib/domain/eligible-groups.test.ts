import { describe, expect, it } from "vitest";
import { eligibleGroups } from "./eligible-groups";
import { groupTargetLabel, groupTargetShortLabel, withIdentityCenterGroups } from "./group-targets";
import { PolicyDocument } from "./policy-schema";

function validDocument() {
  return {
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
        id: "prod-db-admins",
        requesters: { groups: ["team-data"], identityCenterGroups: ["oncall"] },
        identityCenterGroups: ["prod-db-admins"],
        maxDurationMinutes: 120,
        ticket: { required: true, pattern: "^INC-[0-9]{1,8}$", hint: "INC-42" },
        approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
        extension: { allowed: true, requiresApproval: true },
      },
    ],
  };
}

const dataEngineer = { email: "erin@example.com", groups: ["team-data"] };

describe("group rules: what the request form offers", () => {
  const groupRule = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    requesters: { groups: ["team-data"] },
    identityCenterGroups: ["prod-db-admins"],
    maxDurationMinutes: 120,
    approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
    ...extra,
  });
  const policyWith = (groupRules: Record<string, unknown>[]) =>
    PolicyDocument.parse({ ...validDocument(), groupRules });

  it.each<[string, Record<string, unknown>[], { email: string; groups: string[] }, unknown[]]>([
    [
      "the rule's requester gets its group with its limit, ticket and approvals",
      validDocument().groupRules,
      dataEngineer,
      [
        {
          name: "prod-db-admins",
          ruleIds: ["prod-db-admins"],
          maxDurationMinutes: 120,
          ticket: { required: true, examples: ["INC-42"] },
          autoApprove: false,
          requiredApprovals: 1,
        },
      ],
    ],
    [
      "someone the rule does not select gets nothing",
      validDocument().groupRules,
      { email: "a@example.com", groups: ["engineering"] },
      [],
    ],
    [
      'a "*" claim is not a wildcard for requesters',
      validDocument().groupRules,
      { email: "a@example.com", groups: ["*"] },
      [],
    ],
    [
      "an IdP claim posing as the Identity Center selector gets nothing",
      validDocument().groupRules,
      { email: "a@example.com", groups: withIdentityCenterGroups(["oncall", "!identity-center:oncall"], []) },
      [],
    ],
    [
      "the Identity Center selector counts through the worker's reading",
      validDocument().groupRules,
      { email: "a@example.com", groups: withIdentityCenterGroups([], ["oncall"]) },
      [{ name: "prod-db-admins" }],
    ],
    [
      "two rules naming the same group: one entry, the strictest limit and both rules",
      [groupRule("long"), groupRule("short", { maxDurationMinutes: 30 })],
      dataEngineer,
      [{ name: "prod-db-admins", ruleIds: ["long", "short"], maxDurationMinutes: 30 }],
    ],
    [
      "a group only its own requester could approve is not offered",
      [groupRule("self", { approval: { auto: false, approvers: { users: ["erin@example.com"] }, required: 1 } })],
      dataEngineer,
      [],
    ],
    [
      "groups come sorted by name, each once",
      [
        groupRule("a", { identityCenterGroups: ["zeta", "alpha"] }),
        groupRule("b", { identityCenterGroups: ["alpha"] }),
      ],
      dataEngineer,
      [{ name: "alpha" }, { name: "zeta" }],
    ],
  ])("%s", (_name, groupRules, requester, expected) => {
    const offered = eligibleGroups(policyWith(groupRules), requester);
    expect(offered).toHaveLength(expected.length);
    expect(offered).toMatchObject(expected);
  });
});

describe("group target labels", () => {
  it.each<[string, string, string]>([
    [
      "prod-db-admins",
      'membership of Identity Center group "prod-db-admins"',
      "prod-db-admins (Identity Center group)",
    ],
    ["Data Admins", 'membership of Identity Center group "Data Admins"', "Data Admins (Identity Center group)"],
  ])("%s reads as %s in a sentence and %s in a list", (name, sentence, short) => {
    expect(groupTargetLabel(name)).toBe(sentence);
    expect(groupTargetShortLabel(name)).toBe(short);
  });
});

import { describe, expect, it } from "vitest";
import {
  allowRulesOf,
  groupLabel,
  groupTargetLabel,
  groupTargetShortLabel,
  identityCenterGroupsNamed,
  portalManagedGroups,
  withIdentityCenterGroups,
} from "./group-targets";
import {
  approvalWindowMinutes,
  approverRoutesForRequest,
  canApprove,
  countQuorum,
  evaluateRequest,
  evaluateTarget,
  parsePolicyDocument,
  policyMentionsTarget,
  type PolicyTarget,
} from "./policy";
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
        approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1, expiryMinutes: 60 },
        extension: { allowed: true, requiresApproval: true },
      },
    ],
  };
}

type Doc = Record<string, unknown> & { groupRules: Record<string, unknown>[]; rules: Record<string, unknown>[] };

function problemsOf(mutate: (doc: Doc) => void) {
  const doc = structuredClone(validDocument()) as unknown as Doc;
  mutate(doc);
  const result = parsePolicyDocument(doc);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

const policy = PolicyDocument.parse(validDocument());
const groupTarget = (name: string): PolicyTarget => ({
  account: { id: "", ouIds: [] },
  permissionSetName: "",
  identityCenterGroup: name,
});
const dataEngineer = { email: "erin@example.com", groups: ["team-data"] };

describe("group rules: the shape", () => {
  it("accepts the documented shape", () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });

  it.each<[string, (doc: Doc) => void, string]>([
    [
      "a group rule that also names accounts (a rule is one or the other)",
      (doc) => (doc.groupRules[0]!.accounts = { ids: ["210987654321"] }),
      "groupRules[0].accounts",
    ],
    [
      "a group rule that also names permission sets",
      (doc) => (doc.groupRules[0]!.permissionSets = ["ReadOnly"]),
      "groupRules[0].permissionSets",
    ],
    [
      "an account rule that names Identity Center groups as its target",
      (doc) => (doc.rules[0]!.identityCenterGroups = ["prod-db-admins"]),
      "rules[0].identityCenterGroups",
    ],
    ["no groups at all", (doc) => (doc.groupRules[0]!.identityCenterGroups = []), "groupRules[0].identityCenterGroups"],
    [
      '"*" as a group: every group, admins included',
      (doc) => (doc.groupRules[0]!.identityCenterGroups = ["*"]),
      "groupRules[0].identityCenterGroups[0]",
    ],
    [
      "a partial wildcard",
      (doc) => (doc.groupRules[0]!.identityCenterGroups = ["prod-*"]),
      "groupRules[0].identityCenterGroups[0]",
    ],
    [
      "a name with spaces around it",
      (doc) => (doc.groupRules[0]!.identityCenterGroups = [" prod-db-admins"]),
      "groupRules[0].identityCenterGroups[0]",
    ],
    [
      "a control character",
      (doc) => (doc.groupRules[0]!.identityCenterGroups = ["prod\u0007db"]),
      "groupRules[0].identityCenterGroups[0]",
    ],
    [
      "a group listed twice",
      (doc) => (doc.groupRules[0]!.identityCenterGroups = ["a", "a"]),
      "groupRules[0].identityCenterGroups[1]",
    ],
    [
      "a number instead of a name",
      (doc) => (doc.groupRules[0]!.identityCenterGroups = [42]),
      "groupRules[0].identityCenterGroups[0]",
    ],
    [
      "a rule id used by an account rule",
      (doc) => (doc.groupRules[0]!.id = "everything-everywhere"),
      "groupRules[0].id",
    ],
    [
      "approvers missing on a rule that needs approval",
      (doc) => (doc.groupRules[0]!.approval = { auto: false }),
      "groupRules[0].approval.approvers",
    ],
    [
      "auto-approval with a quorum (contradictory, as for account rules)",
      (doc) => (doc.groupRules[0]!.approval = { auto: true, required: 2 }),
      "groupRules[0].approval.required",
    ],
    [
      "sessionRevocation, which a membership cannot promise",
      (doc) => (doc.groupRules[0]!.sessionRevocation = "deny-on-end"),
      "groupRules[0].sessionRevocation",
    ],
    [
      "an empty Identity Center requester selector and nothing else",
      (doc) => (doc.groupRules[0]!.requesters = { identityCenterGroups: [] }),
      "groupRules[0].requesters",
    ],
    [
      '"*" as an Identity Center requester group',
      (doc) => (doc.groupRules[0]!.requesters = { identityCenterGroups: ["*"] }),
      "groupRules[0].requesters.identityCenterGroups[0]",
    ],
    ["an unknown key", (doc) => (doc.groupRules[0]!.maxDuration = 60), "groupRules[0].maxDuration"],
  ])("rejects %s", (_name, mutate, path) => {
    const problems = problemsOf(mutate);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((problem) => problem.startsWith(`${path}:`))).toBe(true);
  });
});

describe("group rules: evaluation", () => {
  it('allows a matching requester with the rule\'s requirements, and an account rule with "*" never covers a group', () => {
    const verdict = evaluateTarget(policy, dataEngineer, groupTarget("prod-db-admins"));
    expect(verdict).toMatchObject({
      allowed: true,
      ruleIds: ["prod-db-admins"],
      maxDurationMinutes: 120,
      ticket: { required: true },
      approval: { auto: false, approverGroups: ["approvers"], required: 1 },
      session: { revocation: "off" },
    });
    // The catch-all account rule is auto-approved for everyone; it must not make the group auto-approved or open other groups.
    expect(evaluateTarget(policy, dataEngineer, groupTarget("portal-admins"))).toMatchObject({ allowed: false });
    expect(
      evaluateTarget(policy, { email: "x@example.com", groups: ["*"] }, groupTarget("prod-db-admins")),
    ).toMatchObject({
      allowed: false,
    });
  });

  it("never lets a group rule cover an account target", () => {
    const onlyGroups = PolicyDocument.parse({ ...validDocument(), rules: [] });
    const account: PolicyTarget = { account: { id: "210987654321", ouIds: [] }, permissionSetName: "ReadOnly" };
    expect(evaluateTarget(onlyGroups, dataEngineer, account)).toMatchObject({ allowed: false });
    expect(policyMentionsTarget(onlyGroups, account)).toBe(false);
    expect(policyMentionsTarget(onlyGroups, groupTarget("prod-db-admins"))).toBe(true);
  });

  it("checks duration and ticket for a group request as for any request", () => {
    const tooLong = evaluateRequest(policy, dataEngineer, [groupTarget("prod-db-admins")], {
      durationMinutes: 180,
      ticket: "INC-1",
    });
    expect(tooLong).toMatchObject({ ok: false, code: "VALIDATION" });
    const ok = evaluateRequest(policy, dataEngineer, [groupTarget("prod-db-admins")], {
      durationMinutes: 120,
      ticket: "INC-1",
    });
    expect(ok).toMatchObject({ ok: true, decision: { ruleIds: ["prod-db-admins"], requiredApprovals: 1 } });
    expect(approvalWindowMinutes(policy, ["prod-db-admins"])).toBe(60);
  });

  it("routes approval and quorum through the group rule's approvers, never the requester", () => {
    const request = {
      requesterId: "u-erin",
      requesterEmail: "erin@example.com",
      targets: [groupTarget("prod-db-admins")],
      decisions: [],
      ruleIds: ["prod-db-admins"],
    };
    expect(canApprove(policy, { userId: "u-bob", email: "bob@example.com", groups: ["approvers"] }, request)).toEqual({
      ok: true,
      viaGroups: ["approvers"],
      viaUser: false,
    });
    expect(
      canApprove(policy, { userId: "u-erin", email: "erin@example.com", groups: ["approvers"] }, request),
    ).toMatchObject({ ok: false, code: "SELF_APPROVAL" });
    expect(canApprove(policy, { userId: "u-x", email: "x@example.com", groups: ["team-data"] }, request)).toMatchObject(
      { ok: false, code: "FORBIDDEN" },
    );
    expect(
      countQuorum({ required: 1, distinctGroups: false }, [
        { approverId: "u-bob", decision: "APPROVE", viaGroups: ["approvers"] },
      ]).satisfied,
    ).toBe(true);
  });
});

describe("Identity Center groups as requester and approver selectors", () => {
  const icPolicy = PolicyDocument.parse({
    version: 1,
    rules: [
      {
        id: "oncall-readonly",
        requesters: { identityCenterGroups: ["oncall"] },
        accounts: { ids: ["210987654321"] },
        permissionSets: ["ReadOnly"],
        maxDurationMinutes: 60,
        approval: {
          auto: false,
          approvers: { groups: ["approvers"], identityCenterGroups: ["sre-leads"] },
          required: 2,
          distinctGroups: true,
        },
      },
    ],
  });
  const target: PolicyTarget = { account: { id: "210987654321", ouIds: [] }, permissionSetName: "ReadOnly" };

  it("matches a requester by Identity Center membership, not by an IdP claim of the same name", () => {
    const member = { email: "a@example.com", groups: withIdentityCenterGroups(["engineering"], ["oncall"]) };
    expect(evaluateTarget(icPolicy, member, target)).toMatchObject({ allowed: true });
    const claimOnly = { email: "a@example.com", groups: withIdentityCenterGroups(["oncall"], []) };
    expect(evaluateTarget(icPolicy, claimOnly, target)).toMatchObject({ allowed: false });
  });

  it("drops IdP claims that pose as an Identity Center group", () => {
    const forged = withIdentityCenterGroups(["!identity-center:oncall", "!x"], []);
    expect(forged).toEqual([]);
    expect(evaluateTarget(icPolicy, { email: "a@example.com", groups: forged }, target)).toMatchObject({
      allowed: false,
    });
  });

  it("counts an Identity Center approver group as a distinct group of its own", () => {
    const routes = approverRoutesForRequest(icPolicy, [target]);
    expect(routes.groups).toEqual(["!identity-center:sre-leads", "approvers"]);
    const request = { requesterId: "r", requesterEmail: "r@example.com", targets: [target], decisions: [] };
    const lead = canApprove(
      icPolicy,
      { userId: "u-lead", email: "lead@example.com", groups: withIdentityCenterGroups([], ["sre-leads"]) },
      request,
    );
    expect(lead).toEqual({ ok: true, viaGroups: ["!identity-center:sre-leads"], viaUser: false });
    const quorum = countQuorum({ required: 2, distinctGroups: true }, [
      { approverId: "u-lead", decision: "APPROVE", viaGroups: ["!identity-center:sre-leads"] },
      { approverId: "u-bob", decision: "APPROVE", viaGroups: ["approvers"] },
    ]);
    expect(quorum.satisfied).toBe(true);
    expect(groupLabel("!identity-center:sre-leads")).toBe("sre-leads (Identity Center)");
    expect(groupLabel("approvers")).toBe("approvers");
  });

  it("lists every Identity Center group the policy names with its path, and the groups the portal manages", () => {
    expect([...identityCenterGroupsNamed(policy)]).toEqual([
      ["prod-db-admins", "groupRules[0].identityCenterGroups[0]"],
      ["oncall", "groupRules[0].requesters.identityCenterGroups[0]"],
    ]);
    expect([...identityCenterGroupsNamed(icPolicy)]).toEqual([
      ["oncall", "rules[0].requesters.identityCenterGroups[0]"],
      ["sre-leads", "rules[0].approval.approvers.identityCenterGroups[0]"],
    ]);
    expect(portalManagedGroups(policy)).toEqual(["prod-db-admins"]);
    expect(allowRulesOf(policy).map((rule) => rule.id)).toEqual(["everything-everywhere", "prod-db-admins"]);
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

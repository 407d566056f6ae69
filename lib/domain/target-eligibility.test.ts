import { describe, expect, it } from "vitest";
import { evaluateTarget, parsePolicyDocument, type PolicyTarget, type Requester } from "./policy";
import type { PolicyDocument } from "./policy-schema";
import { whoMayRequest } from "./target-eligibility";

function policyOf(raw: unknown): PolicyDocument {
  const result = parsePolicyDocument(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

const ROOT = "r-ab12";
const PROD_OU = "ou-ab12-prod0001";
const SANDBOX_OU = "ou-ab12-sandbox1";
const prod: PolicyTarget = { account: { id: "210987654321", ouIds: [ROOT, PROD_OU] }, permissionSetName: "PowerUser" };
const prodAdmin: PolicyTarget = { ...prod, permissionSetName: "AdministratorAccess" };
const sandbox: PolicyTarget = { account: { id: "410987654321", ouIds: [ROOT, SANDBOX_OU] }, permissionSetName: "Any" };
const management: PolicyTarget = { account: { id: "111111111111", ouIds: [ROOT] }, permissionSetName: "ReadOnly" };

const policy = policyOf({
  version: 1,
  rules: [
    {
      id: "payments-power",
      requesters: { groups: ["team-payments", "contractors"], users: ["Lena@Example.com"] },
      accounts: { ous: [PROD_OU] },
      permissionSets: ["PowerUser"],
      maxDurationMinutes: 240,
      ticket: { required: true },
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 2 },
    },
    {
      id: "sandbox",
      requesters: { groups: ["*"] },
      accounts: { ous: [SANDBOX_OU] },
      permissionSets: ["*"],
      maxDurationMinutes: 480,
      approval: { auto: true },
    },
    {
      id: "management-read",
      requesters: { groups: ["engineering"] },
      accounts: { ids: ["111111111111"] },
      permissionSets: ["ReadOnly"],
      maxDurationMinutes: 60,
      approval: { auto: true },
    },
  ],
  deny: [
    {
      id: "no-contractors-in-prod",
      requesters: { groups: ["contractors"], users: ["lena@example.com"] },
      accounts: { ous: [PROD_OU] },
      permissionSets: ["*"],
      reason: "Contractors work in the sandbox.",
    },
    {
      id: "no-management",
      requesters: { groups: ["*"] },
      accounts: { ids: ["111111111111"] },
      permissionSets: ["*"],
      reason: "Break-glass only.",
    },
  ],
});

describe("whoMayRequest", () => {
  it("lists the covering allow rule with its requesters, approval and limits", () => {
    const result = whoMayRequest(policy, prod);
    expect(result.eligible).toEqual([
      expect.objectContaining({
        ruleId: "payments-power",
        groups: ["team-payments"],
        users: [],
        maxDurationMinutes: 240,
        ticketRequired: true,
        autoApproved: false,
        approverGroups: ["approvers"],
        requiredApprovals: 2,
      }),
    ]);
  });

  it("moves requesters a deny rule blocks out of the eligible list, matching emails case-insensitively", () => {
    const [rule] = whoMayRequest(policy, prod).eligible;
    expect(rule!.blockedGroups).toEqual(["contractors"]);
    expect(rule!.blockedUsers).toEqual(["Lena@Example.com"]);
    expect(whoMayRequest(policy, prod).denied.map((d) => d.ruleId)).toEqual(["no-contractors-in-prod"]);
  });

  it("a deny rule for everyone leaves nobody eligible even where an allow rule names a group", () => {
    const [rule] = whoMayRequest(policy, management).eligible;
    expect(rule!.groups).toEqual([]);
    expect(rule!.blockedGroups).toEqual(["engineering"]);
  });

  it("a permission set no rule names is requestable by nobody", () => {
    expect(whoMayRequest(policy, prodAdmin).eligible).toEqual([]);
  });

  it("an OU rule covers accounts beneath it, and a wildcard set covers every set", () => {
    expect(whoMayRequest(policy, sandbox).eligible.map((r) => [r.ruleId, r.groups, r.autoApproved])).toEqual([
      ["sandbox", ["*"], true],
    ]);
  });

  // The view must never list someone as eligible whom the request verb would refuse by a deny rule, nor hide someone it allows.
  const requesters: [string, Requester][] = [
    ["payments engineer", { email: "alice@example.com", groups: ["team-payments"] }],
    ["contractor", { email: "cora@example.com", groups: ["contractors"] }],
    ["named user blocked by email", { email: "LENA@example.com", groups: [] }],
    ["engineer", { email: "erin@example.com", groups: ["engineering"] }],
    ["nobody in particular", { email: "x@example.com", groups: [] }],
  ];
  const targets: [string, PolicyTarget][] = [
    ["prod", prod],
    ["prod admin", prodAdmin],
    ["sandbox", sandbox],
    ["management", management],
  ];
  for (const [who, requester] of requesters)
    for (const [where, target] of targets)
      it(`agrees with evaluateTarget for the ${who} on ${where}`, () => {
        const listed = whoMayRequest(policy, target).eligible.some(
          (rule) =>
            rule.groups.some((group) => group === "*" || requester.groups.includes(group)) ||
            rule.users.some((user) => user.toLowerCase() === requester.email.toLowerCase()),
        );
        expect(listed).toBe(evaluateTarget(policy, requester, target).allowed);
      });
});

import { describe, expect, it } from "vitest";
import { evaluateTarget, parsePolicyDocument, type PolicyTarget, type Requester } from "./policy";
import type { PolicyDocument } from "./policy-schema";
import { policyForAccount, whoMayRequest } from "./target-eligibility";

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

describe("policyForAccount", () => {
  const nested: PolicyTarget = {
    account: { id: "510987654321", ouIds: [ROOT, SANDBOX_OU, "ou-ab12-team0001"] },
    permissionSetName: "ReadOnly",
  };
  const elsewhere: PolicyTarget = { account: { id: "610987654321", ouIds: [ROOT] }, permissionSetName: "PowerUser" };
  const wildcard = policyOf({
    version: 1,
    rules: [
      {
        id: "everywhere-read",
        requesters: { groups: ["auditors"] },
        accounts: { ids: ["*"] },
        permissionSets: ["ReadOnly"],
        maxDurationMinutes: 60,
        approval: { auto: true },
      },
    ],
  });
  const sets = ["PowerUser", "AdministratorAccess", "ReadOnly", "Any"];

  // Whatever the set, the cut policy must answer exactly as the whole one: the inventory shows its answer as the truth.
  it.each([
    ["an account an OU rule and an OU deny name", prod, policy],
    ["an account in a nested OU under a rule's OU", nested, policy],
    ["an account named by id in a rule and a deny", management, policy],
    ["an account no rule names", elsewhere, policy],
    ["any account under a wildcard id", elsewhere, wildcard],
  ])("answers as the whole policy for %s", (_name, target, document) => {
    const cut = policyForAccount(document, target.account);
    for (const permissionSetName of sets)
      expect(whoMayRequest(cut, { ...target, permissionSetName })).toEqual(
        whoMayRequest(document, { ...target, permissionSetName }),
      );
  });

  it("keeps no rule for an account nobody names, so the inventory can skip it", () => {
    const cut = policyForAccount(policy, elsewhere.account);
    expect([cut.rules, cut.deny]).toEqual([[], []]);
  });

  it("keeps a deny rule that names the account even when no allow rule does", () => {
    const denyOnly = policyOf({
      version: 1,
      rules: [],
      deny: [
        {
          id: "no-root",
          requesters: { groups: ["*"] },
          accounts: { ous: [ROOT] },
          permissionSets: ["*"],
          reason: "Nobody.",
        },
      ],
    });
    expect(policyForAccount(denyOnly, elsewhere.account).deny.map((d) => d.id)).toEqual(["no-root"]);
  });
});

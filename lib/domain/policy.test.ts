import { describe, expect, it } from "vitest";
import {
  approvalWindowMinutes,
  approverGroupsForRequest,
  canApprove,
  canRevoke,
  countQuorum,
  eligibleTargets,
  evaluateRequest,
  evaluateTarget,
  parsePolicyDocument,
  policyMentionsTarget,
  type ApprovalDecisionRecord,
  type PolicyTarget,
  type Requester,
} from "./policy";
import type { PolicyDocument } from "./policy-schema";

function policyOf(raw: unknown): PolicyDocument {
  const result = parsePolicyDocument(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

const ROOT = "r-ab12";
const WORKLOADS_OU = "ou-ab12-workload";
const PROD_OU = "ou-ab12-prod0001";
const SANDBOX_OU = "ou-ab12-sandbox1";
const SIBLING_OU = "ou-ab12-sibling1";

const accounts = {
  paymentsProd: { id: "210987654321", ouIds: [ROOT, WORKLOADS_OU, PROD_OU] },
  dataProd: { id: "310987654321", ouIds: [ROOT, WORKLOADS_OU, PROD_OU] },
  sandbox: { id: "410987654321", ouIds: [ROOT, SANDBOX_OU] },
  sibling: { id: "510987654321", ouIds: [ROOT, SIBLING_OU] },
  management: { id: "111111111111", ouIds: [ROOT] },
};

const alice: Requester = { email: "alice@example.com", groups: ["engineering", "team-payments"] };
const erin: Requester = { email: "erin@example.com", groups: ["engineering", "team-data"] };
const outsider: Requester = { email: "mallory@example.com", groups: [] };

const target = (account: keyof typeof accounts, permissionSetName: string): PolicyTarget => ({
  account: accounts[account],
  permissionSetName,
});

const approval = (groups: string[], extra: Record<string, unknown> = {}) => ({
  auto: false,
  approvers: { groups },
  ...extra,
});

const demo = policyOf({
  version: 1,
  rules: [
    {
      id: "payments-read",
      requesters: { groups: ["team-payments"] },
      accounts: { ids: ["210987654321"] },
      permissionSets: ["ReadOnly"],
      maxDurationMinutes: 480,
      approval: { auto: true },
      extension: { allowed: true, requiresApproval: false },
    },
    {
      id: "payments-power",
      requesters: { groups: ["team-payments"] },
      accounts: { ids: ["210987654321"] },
      permissionSets: ["PowerUser", "AdministratorAccess"],
      maxDurationMinutes: 240,
      ticket: { required: true, pattern: "^PAY-[0-9]{1,8}$" },
      approval: approval(["approvers", "payments-leads"]),
      extension: { allowed: true, requiresApproval: true },
    },
    {
      id: "data-power",
      requesters: { groups: ["team-data"] },
      accounts: { ids: ["310987654321"] },
      permissionSets: ["ReadOnly", "PowerUser"],
      maxDurationMinutes: 120,
      ticket: { required: false, pattern: "^DATA-[0-9]+$" },
      approval: approval(["approvers", "data-leads", "security"], { required: 2, distinctGroups: true }),
    },
    {
      id: "workloads-read-for-oncall",
      requesters: { users: ["Oncall@Example.com"] },
      accounts: { ous: [WORKLOADS_OU] },
      permissionSets: ["ReadOnly"],
      maxDurationMinutes: 60,
      approval: { auto: true },
    },
    {
      id: "sandbox",
      requesters: { groups: ["engineering"] },
      accounts: { ous: [SANDBOX_OU] },
      permissionSets: ["*"],
      maxDurationMinutes: 480,
      approval: { auto: true },
    },
  ],
  deny: [
    {
      id: "no-management",
      requesters: { groups: ["*"] },
      accounts: { ids: ["111111111111"] },
      permissionSets: ["*"],
      reason: "The management account is break-glass only.",
    },
    {
      id: "no-admin-in-prod",
      requesters: { groups: ["*"] },
      accounts: { ous: [PROD_OU] },
      permissionSets: ["AdministratorAccess"],
      reason: "Nobody administers production through the portal.",
    },
  ],
});

describe("evaluateTarget", () => {
  it.each<
    [
      string,
      PolicyDocument,
      Requester,
      PolicyTarget,
      { allowed: boolean; ruleIds?: string[]; denyRuleId?: string; reason?: string },
    ]
  >([
    [
      "deny by default with no rules",
      policyOf({ version: 1 }),
      alice,
      target("paymentsProd", "ReadOnly"),
      { allowed: false, reason: "No policy rule lets you request ReadOnly on 210987654321." },
    ],
    ["deny by default when no rule matches", demo, alice, target("dataProd", "ReadOnly"), { allowed: false }],
    ["a requester with no groups gets nothing", demo, outsider, target("sandbox", "ReadOnly"), { allowed: false }],
    [
      "a matching group allows",
      demo,
      alice,
      target("paymentsProd", "ReadOnly"),
      { allowed: true, ruleIds: ["payments-read"] },
    ],
    [
      "explicit deny beats allow",
      demo,
      alice,
      target("paymentsProd", "AdministratorAccess"),
      { allowed: false, denyRuleId: "no-admin-in-prod", reason: "Nobody administers production through the portal." },
    ],
    [
      "a deny for everyone covers a user with no groups",
      demo,
      outsider,
      target("management", "ReadOnly"),
      { allowed: false, denyRuleId: "no-management" },
    ],
    [
      "a nested OU matches (account two levels below)",
      demo,
      { email: "oncall@example.com", groups: [] },
      target("paymentsProd", "ReadOnly"),
      { allowed: true, ruleIds: ["workloads-read-for-oncall"] },
    ],
    [
      "a sibling OU does not match",
      demo,
      { email: "oncall@example.com", groups: [] },
      target("sibling", "ReadOnly"),
      { allowed: false },
    ],
    [
      '"*" permission sets match any set',
      demo,
      erin,
      target("sandbox", "AnythingAtAll"),
      { allowed: true, ruleIds: ["sandbox"] },
    ],
    [
      "group names are case-sensitive",
      demo,
      { email: "x@example.com", groups: ["Team-Payments"] },
      target("paymentsProd", "ReadOnly"),
      { allowed: false },
    ],
    ["permission set names are case-sensitive", demo, alice, target("paymentsProd", "readonly"), { allowed: false }],
    [
      "user emails match case-insensitively",
      demo,
      { email: "ONCALL@example.COM", groups: [] },
      target("paymentsProd", "ReadOnly"),
      { allowed: true },
    ],
    [
      "surrounding spaces in the IdP email do not matter",
      demo,
      { email: " oncall@example.com ", groups: [] },
      target("paymentsProd", "ReadOnly"),
      { allowed: true },
    ],
    [
      "a Cyrillic look-alike email does not match",
      demo,
      { email: "оncall@example.com", groups: [] },
      target("paymentsProd", "ReadOnly"),
      { allowed: false },
    ],
    [
      "a fullwidth look-alike email does not match",
      demo,
      { email: "ｏｎｃａｌｌ@example.com", groups: [] },
      target("paymentsProd", "ReadOnly"),
      { allowed: false },
    ],
    [
      "an empty email matches no user",
      demo,
      { email: "", groups: [] },
      target("paymentsProd", "ReadOnly"),
      { allowed: false },
    ],
    [
      "a group named like an email does not match a user rule",
      demo,
      { email: "x@example.com", groups: ["oncall@example.com"] },
      target("paymentsProd", "ReadOnly"),
      { allowed: false },
    ],
    [
      'a requester in a group literally named "*" gets no more than anyone',
      demo,
      { email: "x@example.com", groups: ["*"] },
      target("paymentsProd", "ReadOnly"),
      { allowed: false },
    ],
  ])("%s", (_label, policy, requester, t, expected) => {
    expect(evaluateTarget(policy, requester, t)).toMatchObject(expected);
  });

  it("an OU id that only shares a prefix does not match", () => {
    expect(
      evaluateTarget(
        demo,
        { email: "oncall@example.com", groups: [] },
        { account: { id: "610987654321", ouIds: [ROOT, `${WORKLOADS_OU}x`] }, permissionSetName: "ReadOnly" },
      ).allowed,
    ).toBe(false);
  });

  it("a Kelvin sign (U+212A) in the email does not pass for a k", () => {
    const policy = policyOf({
      version: 1,
      rules: [
        {
          id: "kate",
          requesters: { users: ["kate@example.com"] },
          accounts: { ids: ["*"] },
          permissionSets: ["*"],
          maxDurationMinutes: 60,
          approval: { auto: true },
        },
      ],
    });
    expect(
      evaluateTarget(policy, { email: "\u212Aate@example.com", groups: [] }, target("sandbox", "ReadOnly")).allowed,
    ).toBe(false);
    expect(
      evaluateTarget(policy, { email: "KATE@example.com", groups: [] }, target("sandbox", "ReadOnly")).allowed,
    ).toBe(true);
  });

  describe("several matching rules all apply: the strictest requirement wins", () => {
    const overlapping = policyOf({
      version: 1,
      rules: [
        {
          id: "broad-auto",
          requesters: { groups: ["engineering"] },
          accounts: { ids: ["*"] },
          permissionSets: ["ReadOnly"],
          maxDurationMinutes: 480,
          approval: { auto: true },
          extension: { allowed: true, requiresApproval: false },
        },
        {
          id: "prod-strict",
          requesters: { groups: ["team-payments"] },
          accounts: { ous: [PROD_OU] },
          permissionSets: ["ReadOnly"],
          maxDurationMinutes: 60,
          ticket: { required: true, pattern: "^PAY-[0-9]+$" },
          approval: approval(["approvers", "payments-leads"], { required: 2 }),
          extension: { allowed: true, requiresApproval: true },
        },
        {
          id: "prod-security",
          requesters: { groups: ["team-payments"] },
          accounts: { ids: ["210987654321"] },
          permissionSets: ["ReadOnly"],
          maxDurationMinutes: 120,
          ticket: { required: false, pattern: "^[A-Z]+-[0-9]{1,4}$" },
          approval: approval(["approvers", "security"]),
        },
        {
          id: "disjoint-approvers",
          requesters: { groups: ["team-data"] },
          accounts: { ids: ["310987654321"] },
          permissionSets: ["ReadOnly"],
          maxDurationMinutes: 120,
          approval: approval(["data-leads"]),
        },
        {
          id: "disjoint-approvers-2",
          requesters: { groups: ["engineering"] },
          accounts: { ids: ["310987654321"] },
          permissionSets: ["ReadOnly"],
          maxDurationMinutes: 120,
          approval: approval(["security"]),
        },
      ],
    });

    it("shortest maximum, any ticket requirement, every pattern, no auto-approval, most approvals, common approvers", () => {
      expect(evaluateTarget(overlapping, alice, target("paymentsProd", "ReadOnly"))).toEqual({
        allowed: true,
        ruleIds: ["broad-auto", "prod-strict", "prod-security"],
        maxDurationMinutes: 60,
        ticket: { required: true, patterns: ["^PAY-[0-9]+$", "^[A-Z]+-[0-9]{1,4}$"] },
        approval: { auto: false, approverGroups: ["approvers"], approverUsers: [], required: 2, distinctGroups: false },
        extension: { allowed: false, requiresApproval: true },
        session: { revocation: "deny-on-end", shortWindowRefusals: [] },
      });
    });

    it("a broad auto-approve rule does not loosen a stricter rule for the same target", () => {
      const verdict = evaluateTarget(overlapping, alice, target("paymentsProd", "ReadOnly"));
      expect(verdict.allowed && verdict.approval.auto).toBe(false);
    });

    it("outside the strict rule's scope the broad rule applies alone", () => {
      expect(evaluateTarget(overlapping, alice, target("sandbox", "ReadOnly"))).toMatchObject({
        allowed: true,
        ruleIds: ["broad-auto"],
        maxDurationMinutes: 480,
        approval: { auto: true },
      });
    });

    it("rules whose approvers share no group make the target unapprovable, so it is denied", () => {
      const verdict = evaluateTarget(overlapping, erin, target("dataProd", "ReadOnly"));
      expect(verdict).toMatchObject({ allowed: false, reason: expect.stringContaining("share no approver") });
    });
  });
});

describe("evaluateRequest", () => {
  const payments = [target("paymentsProd", "PowerUser")];

  it("allows and reports the decision", () => {
    expect(evaluateRequest(demo, alice, payments, { durationMinutes: 240, ticket: "PAY-42" })).toEqual({
      ok: true,
      decision: {
        ruleIds: ["payments-power"],
        maxDurationMinutes: 240,
        ticket: { required: true, patterns: ["^PAY-[0-9]{1,8}$"] },
        autoApprove: false,
        requiredApprovals: 1,
        distinctGroups: false,
        approverGroups: ["approvers", "payments-leads"],
        approverUsers: [],
        extension: { allowed: true, requiresApproval: true },
        revokeSessionsOnEnd: [true],
      },
    });
  });

  it("auto-approves when every target is auto", () => {
    const verdict = evaluateRequest(
      demo,
      alice,
      [target("paymentsProd", "ReadOnly"), target("sandbox", "AdministratorAccess")],
      { durationMinutes: 60 },
    );
    expect(verdict).toMatchObject({
      ok: true,
      decision: { autoApprove: true, requiredApprovals: 0, maxDurationMinutes: 480 },
    });
  });

  it.each<
    [string, Requester, PolicyTarget[], { durationMinutes: number; ticket?: string }, string, Record<string, string>]
  >([
    ["no targets", alice, [], { durationMinutes: 60 }, "VALIDATION", { targets: "Pick at least one" }],
    [
      "one denied target denies the whole request",
      alice,
      [target("paymentsProd", "PowerUser"), target("management", "ReadOnly")],
      { durationMinutes: 60, ticket: "PAY-1" },
      "POLICY_DENIED",
      { targets: "111111111111: The management account is break-glass only." },
    ],
    [
      "explicit deny on one target",
      alice,
      [target("paymentsProd", "AdministratorAccess")],
      { durationMinutes: 60, ticket: "PAY-1" },
      "POLICY_DENIED",
      { targets: "Nobody administers production" },
    ],
    [
      "duration one minute over the maximum",
      alice,
      payments,
      { durationMinutes: 241, ticket: "PAY-1" },
      "VALIDATION",
      { durationMinutes: "at most 4 h" },
    ],
    [
      "duration below the minimum",
      alice,
      payments,
      { durationMinutes: 0, ticket: "PAY-1" },
      "VALIDATION",
      { durationMinutes: "at least 1 minute" },
    ],
    [
      "the ticket is missing",
      alice,
      payments,
      { durationMinutes: 60 },
      "VALIDATION",
      { ticket: "A ticket is required (format: ^PAY-[0-9]{1,8}$)" },
    ],
    [
      "the ticket is blank",
      alice,
      payments,
      { durationMinutes: 60, ticket: "   " },
      "VALIDATION",
      { ticket: "A ticket is required" },
    ],
    [
      "the ticket carries an injection",
      alice,
      payments,
      { durationMinutes: 60, ticket: "PAY-1; drop table" },
      "VALIDATION",
      { ticket: "must match ^PAY-[0-9]{1,8}$" },
    ],
    [
      "the ticket has a trailing newline",
      alice,
      payments,
      { durationMinutes: 60, ticket: "PAY-1\n" },
      "VALIDATION",
      { ticket: "must match" },
    ],
    [
      "the ticket is far too long",
      alice,
      payments,
      { durationMinutes: 60, ticket: `PAY-${"1".repeat(100)}` },
      "VALIDATION",
      { ticket: "at most 64" },
    ],
    [
      "an optional ticket must still match its format when given",
      erin,
      [target("dataProd", "ReadOnly")],
      { durationMinutes: 60, ticket: "whatever" },
      "VALIDATION",
      { ticket: "must match ^DATA-[0-9]+$" },
    ],
  ])("rejects: %s", (_label, requester, targets, options, code, fieldErrors) => {
    const verdict = evaluateRequest(demo, requester, targets, options);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.code).toBe(code);
    for (const [field, text] of Object.entries(fieldErrors))
      expect(verdict.fieldErrors[field]?.join(" ")).toContain(text);
  });

  it("an optional ticket may be left out", () => {
    expect(evaluateRequest(demo, erin, [target("dataProd", "ReadOnly")], { durationMinutes: 60 }).ok).toBe(true);
  });

  it("reports duration and ticket problems together", () => {
    const verdict = evaluateRequest(demo, alice, payments, { durationMinutes: 999 });
    expect(verdict.ok ? [] : Object.keys(verdict.fieldErrors).sort()).toEqual(["durationMinutes", "ticket"]);
  });

  describe("multi-target requests combine conservatively", () => {
    const multi = policyOf({
      version: 1,
      rules: [
        {
          id: "a",
          requesters: { groups: ["eng"] },
          accounts: { ids: ["210987654321"] },
          permissionSets: ["PowerUser"],
          maxDurationMinutes: 240,
          ticket: { required: true, pattern: "^[A-Z]+-[0-9]+$" },
          approval: approval(["approvers", "leads-a"], { required: 1 }),
          extension: { allowed: true, requiresApproval: false },
        },
        {
          id: "b",
          requesters: { groups: ["eng"] },
          accounts: { ids: ["310987654321"] },
          permissionSets: ["PowerUser"],
          maxDurationMinutes: 60,
          ticket: { required: false, pattern: "^PAY-[0-9]+$" },
          approval: approval(["approvers", "leads-b", "security"], { required: 2, distinctGroups: true }),
          extension: { allowed: true, requiresApproval: true },
        },
        {
          id: "c",
          requesters: { groups: ["eng"] },
          accounts: { ous: [SANDBOX_OU] },
          permissionSets: ["*"],
          maxDurationMinutes: 480,
          approval: { auto: true },
        },
        {
          id: "d",
          requesters: { groups: ["eng"] },
          accounts: { ids: ["510987654321"] },
          permissionSets: ["PowerUser"],
          maxDurationMinutes: 480,
          approval: approval(["leads-d"]),
        },
      ],
    });
    const eng: Requester = { email: "eng@example.com", groups: ["eng"] };

    it("min duration, any ticket requirement, every pattern, max approvals, distinct if any, approvers eligible for every target", () => {
      const verdict = evaluateRequest(
        multi,
        eng,
        [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser"), target("sandbox", "ReadOnly")],
        { durationMinutes: 60, ticket: "PAY-7" },
      );
      expect(verdict).toEqual({
        ok: false,
        code: "POLICY_DENIED",
        message: expect.stringContaining("2 approvals from different groups but only 1 approver group"),
        fieldErrors: { targets: [expect.any(String)] },
      });
    });

    it("without the distinct-groups target, the strictest of the rest applies", () => {
      const verdict = evaluateRequest(
        multi,
        eng,
        [target("paymentsProd", "PowerUser"), target("sandbox", "ReadOnly")],
        { durationMinutes: 240, ticket: "PAY-7" },
      );
      expect(verdict).toMatchObject({
        ok: true,
        decision: {
          ruleIds: ["a", "c"],
          maxDurationMinutes: 240,
          autoApprove: false,
          requiredApprovals: 1,
          approverGroups: ["approvers", "leads-a"],
          ticket: { required: true, patterns: ["^[A-Z]+-[0-9]+$"] },
          extension: { allowed: false },
        },
      });
    });

    it("the ticket must satisfy every pattern", () => {
      const policy = policyOf({
        ...multi,
        rules: multi.rules.map((r) =>
          r.id === "b" ? { ...r, approval: { ...r.approval, distinctGroups: false } } : r,
        ),
      });
      const ok = evaluateRequest(policy, eng, [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")], {
        durationMinutes: 60,
        ticket: "PAY-7",
      });
      expect(ok).toMatchObject({
        ok: true,
        decision: {
          maxDurationMinutes: 60,
          requiredApprovals: 2,
          approverGroups: ["approvers"],
          ticket: { required: true },
        },
      });
      const wrong = evaluateRequest(
        policy,
        eng,
        [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")],
        { durationMinutes: 60, ticket: "OPS-7" },
      );
      expect(wrong).toMatchObject({
        ok: false,
        code: "VALIDATION",
        fieldErrors: { ticket: ["The ticket must match ^PAY-[0-9]+$."] },
      });
    });

    it("the duration limit is the smallest across targets", () => {
      const policy = policyOf({
        ...multi,
        rules: multi.rules.map((r) =>
          r.id === "b" ? { ...r, approval: { ...r.approval, distinctGroups: false } } : r,
        ),
      });
      const verdict = evaluateRequest(
        policy,
        eng,
        [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")],
        { durationMinutes: 61, ticket: "PAY-7" },
      );
      expect(verdict).toMatchObject({
        ok: false,
        fieldErrors: { durationMinutes: [expect.stringContaining("at most 1 h")] },
      });
    });

    it("targets with no approver in common cannot be requested together", () => {
      const verdict = evaluateRequest(
        multi,
        eng,
        [target("paymentsProd", "PowerUser"), target("sibling", "PowerUser")],
        { durationMinutes: 60, ticket: "PAY-7" },
      );
      expect(verdict).toMatchObject({
        ok: false,
        code: "POLICY_DENIED",
        message: expect.stringContaining("share no approver"),
      });
    });

    it("an auto-approved target adds no approver constraint", () => {
      const verdict = evaluateRequest(multi, eng, [target("sibling", "PowerUser"), target("sandbox", "ReadOnly")], {
        durationMinutes: 60,
      });
      expect(verdict).toMatchObject({
        ok: true,
        decision: { autoApprove: false, approverGroups: ["leads-d"], requiredApprovals: 1 },
      });
    });
  });
});

describe("eligibleTargets", () => {
  const permissionSets = [
    { name: "ReadOnly", arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-read" },
    { name: "PowerUser", arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-power" },
    { name: "AdministratorAccess", arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin" },
  ];
  const allAccounts = Object.values(accounts).map((a) => ({ ...a, name: `acct-${a.id}` }));

  it("lists what the requester may ask for, with limits, and passes the inventory rows through", () => {
    const rows = eligibleTargets(demo, alice, allAccounts, permissionSets).map((row) => ({
      account: row.account.name,
      set: row.permissionSet.arn.split("/").pop(),
      max: row.maxDurationLabel,
      ticket: row.ticket.required,
      auto: row.autoApprove,
    }));
    expect(rows).toEqual([
      { account: "acct-210987654321", set: "ps-read", max: "8 h", ticket: false, auto: true },
      { account: "acct-210987654321", set: "ps-power", max: "4 h", ticket: true, auto: false },
      { account: "acct-410987654321", set: "ps-read", max: "8 h", ticket: false, auto: true },
      { account: "acct-410987654321", set: "ps-power", max: "8 h", ticket: false, auto: true },
      { account: "acct-410987654321", set: "ps-admin", max: "8 h", ticket: false, auto: true },
    ]);
  });

  it("never lists denied pairs (management account, admin in prod)", () => {
    const rows = eligibleTargets(demo, alice, allAccounts, permissionSets);
    expect(rows.some((row) => row.account.id === "111111111111")).toBe(false);
    expect(
      rows.some((row) => row.account.id === "210987654321" && row.permissionSet.name === "AdministratorAccess"),
    ).toBe(false);
  });

  it("is empty for someone no rule names", () => {
    expect(eligibleTargets(demo, outsider, allAccounts, permissionSets)).toEqual([]);
  });
});

describe("canApprove", () => {
  const bob = { userId: "u-bob", email: "bob@example.com", groups: ["approvers", "team-payments-leads"] };
  const request = {
    requesterId: "u-alice",
    requesterEmail: "alice@example.com",
    targets: [target("paymentsProd", "PowerUser")],
    decisions: [] as ApprovalDecisionRecord[],
  };

  it.each<
    [
      string,
      Parameters<typeof canApprove>[1],
      Partial<Parameters<typeof canApprove>[2]>,
      { ok: boolean; code?: string; viaGroups?: string[] },
    ]
  >([
    ["a routed approver may approve, via routed groups only", bob, {}, { ok: true, viaGroups: ["approvers"] }],
    [
      "the requester cannot approve their own request",
      { userId: "u-alice", email: "alice@example.com", groups: ["approvers"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "self-approval is refused even for an admin in every approver group",
      { userId: "u-alice", email: "alice@example.com", groups: ["portal-admins", "approvers", "payments-leads"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "same person, second account with the same email",
      { userId: "u-alice-2", email: "alice@example.com", groups: ["approvers"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "same email in another case",
      { userId: "u-alice-2", email: "ALICE@Example.COM", groups: ["approvers"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "same email with padding",
      { userId: "u-alice-2", email: " alice@example.com\t", groups: ["approvers"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "same email in fullwidth letters",
      { userId: "u-alice-2", email: "ａｌｉｃｅ@example.com", groups: ["approvers"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "same user id with a different email",
      { userId: "u-alice", email: "alice.alt@example.com", groups: ["approvers"] },
      {},
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "self-approval is checked before anything else",
      { userId: "u-alice", email: "alice@example.com", groups: [] },
      { decisions: [{ approverId: "u-alice", decision: "APPROVE", viaGroups: ["approvers"] }] },
      { ok: false, code: "SELF_APPROVAL" },
    ],
    [
      "empty emails on both sides are not the same person",
      { userId: "u-bob", email: "", groups: ["approvers"] },
      { requesterEmail: "" },
      { ok: true },
    ],
    [
      "an approver who already approved cannot decide again",
      bob,
      { decisions: [{ approverId: "u-bob", decision: "APPROVE", viaGroups: ["approvers"] }] },
      { ok: false, code: "CONFLICT" },
    ],
    [
      "an approver who already denied cannot flip to approve",
      bob,
      { decisions: [{ approverId: "u-bob", decision: "DENY", viaGroups: ["approvers"] }] },
      { ok: false, code: "CONFLICT" },
    ],
    [
      "someone in no routed group is refused",
      { userId: "u-carol", email: "carol@example.com", groups: ["security-auditors", "team-payments"] },
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "approver groups are case-sensitive",
      { userId: "u-eve", email: "eve@example.com", groups: ["Approvers"] },
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "a target no rule covers has no approver",
      bob,
      { targets: [target("paymentsProd", "PowerUser"), target("sibling", "PowerUser")] },
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "an approver must be routed for every target",
      { userId: "u-lead", email: "lead@example.com", groups: ["payments-leads"] },
      { targets: [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")] },
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "a group routed for every target passes",
      bob,
      { targets: [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")] },
      { ok: true, viaGroups: ["approvers"] },
    ],
  ])("%s", (_label, approver, change, expected) => {
    expect(canApprove(demo, approver, { ...request, ...change })).toMatchObject(expected);
  });

  it("with the request's rule ids, only those rules route approvals", () => {
    const policy = policyOf({
      version: 1,
      rules: [
        {
          id: "team-a",
          requesters: { groups: ["team-a"] },
          accounts: { ids: ["210987654321"] },
          permissionSets: ["PowerUser"],
          maxDurationMinutes: 60,
          approval: approval(["leads-a", "approvers"]),
        },
        {
          id: "team-b",
          requesters: { groups: ["team-b"] },
          accounts: { ids: ["210987654321"] },
          permissionSets: ["PowerUser"],
          maxDurationMinutes: 60,
          approval: approval(["leads-b", "approvers"]),
        },
      ],
    });
    const leadA = { userId: "u-lead-a", email: "a@example.com", groups: ["leads-a"] };
    const base = {
      requesterId: "u-1",
      requesterEmail: "one@example.com",
      targets: [target("paymentsProd", "PowerUser")],
      decisions: [],
    };
    expect(canApprove(policy, leadA, { ...base, ruleIds: ["team-a"] })).toEqual({
      ok: true,
      viaGroups: ["leads-a"],
      viaUser: false,
    });
    // A team-b request is not team-a's lead's to approve.
    expect(canApprove(policy, leadA, { ...base, ruleIds: ["team-b"] })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    // Without rule ids every covering rule applies: only groups common to all of them route.
    expect(canApprove(policy, leadA, base)).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(approverGroupsForRequest(policy, base.targets)).toEqual(["approvers"]);
  });

  it("approvers of a distinct-groups rule get every routed group they hold", () => {
    const approver = { userId: "u-x", email: "x@example.com", groups: ["security", "approvers", "unrelated"] };
    expect(canApprove(demo, approver, { ...request, targets: [target("dataProd", "PowerUser")] })).toEqual({
      ok: true,
      viaGroups: ["approvers", "security"],
      viaUser: false,
    });
  });
});

describe("countQuorum", () => {
  const approve = (approverId: string, ...viaGroups: string[]): ApprovalDecisionRecord => ({
    approverId,
    decision: "APPROVE",
    viaGroups,
  });
  const deny = (approverId: string, ...viaGroups: string[]): ApprovalDecisionRecord => ({
    approverId,
    decision: "DENY",
    viaGroups,
  });

  it.each<
    [
      string,
      { required: number; distinctGroups: boolean; approverGroups?: string[] },
      ApprovalDecisionRecord[],
      { approvals: number; required: number; satisfied: boolean; denied: boolean },
    ]
  >([
    [
      "no decisions yet",
      { required: 1, distinctGroups: false },
      [],
      { approvals: 0, required: 1, satisfied: false, denied: false },
    ],
    [
      "one approval of one",
      { required: 1, distinctGroups: false },
      [approve("b", "approvers")],
      { approvals: 1, required: 1, satisfied: true, denied: false },
    ],
    [
      "one approval of two",
      { required: 2, distinctGroups: false },
      [approve("b", "approvers")],
      { approvals: 1, required: 2, satisfied: false, denied: false },
    ],
    [
      "a duplicate approval by the same approver counts once",
      { required: 2, distinctGroups: false },
      [approve("b", "approvers"), approve("b", "approvers")],
      { approvals: 1, required: 2, satisfied: false, denied: false },
    ],
    [
      "two approvers from the same group, non-distinct",
      { required: 2, distinctGroups: false },
      [approve("b", "approvers"), approve("d", "approvers")],
      { approvals: 2, required: 2, satisfied: true, denied: false },
    ],
    [
      "any deny ends it, even after quorum",
      { required: 1, distinctGroups: false },
      [approve("b", "approvers"), deny("d", "approvers")],
      { approvals: 1, required: 1, satisfied: false, denied: true },
    ],
    [
      "a deny first",
      { required: 1, distinctGroups: false },
      [deny("d", "approvers")],
      { approvals: 0, required: 1, satisfied: false, denied: true },
    ],
    [
      "a named approver (no group) counts when groups need not be distinct",
      { required: 1, distinctGroups: false },
      [approve("b")],
      { approvals: 1, required: 1, satisfied: true, denied: false },
    ],
    [
      "distinct: named approvers (no group) never satisfy distinct groups",
      { required: 1, distinctGroups: true },
      [approve("b"), approve("c")],
      { approvals: 0, required: 1, satisfied: false, denied: false },
    ],
    [
      "distinct: stale groups outside the routed set do not count",
      { required: 1, distinctGroups: true, approverGroups: ["approvers"] },
      [approve("b", "old-group")],
      { approvals: 0, required: 1, satisfied: false, denied: false },
    ],
    [
      "a denier's groups never count as an approval",
      { required: 1, distinctGroups: true },
      [deny("d", "security")],
      { approvals: 0, required: 1, satisfied: false, denied: true },
    ],
    [
      "prototype-like approver ids and groups are plain keys",
      { required: 2, distinctGroups: true },
      [approve("__proto__", "constructor"), approve("constructor", "__proto__")],
      { approvals: 2, required: 2, satisfied: true, denied: false },
    ],
    [
      "distinct: two approvers of the same group count once",
      { required: 2, distinctGroups: true },
      [approve("b", "approvers"), approve("d", "approvers")],
      { approvals: 1, required: 2, satisfied: false, denied: false },
    ],
    [
      "distinct: two approvers of different groups",
      { required: 2, distinctGroups: true },
      [approve("b", "approvers"), approve("d", "security")],
      { approvals: 2, required: 2, satisfied: true, denied: false },
    ],
    [
      "distinct: one approver in two groups counts once",
      { required: 2, distinctGroups: true },
      [approve("b", "approvers", "security")],
      { approvals: 1, required: 2, satisfied: false, denied: false },
    ],
    [
      "distinct: a greedy pass would strand the second approver; matching does not",
      { required: 2, distinctGroups: true },
      [approve("b", "approvers", "security"), approve("d", "approvers")],
      { approvals: 2, required: 2, satisfied: true, denied: false },
    ],
    [
      "distinct: three approvers, only two groups",
      { required: 3, distinctGroups: true },
      [approve("a", "g1", "g2"), approve("b", "g1"), approve("c", "g2")],
      { approvals: 2, required: 3, satisfied: false, denied: false },
    ],
    [
      "distinct: augmenting path across three",
      { required: 3, distinctGroups: true },
      [approve("a", "g1", "g2"), approve("b", "g2", "g3"), approve("c", "g1")],
      { approvals: 3, required: 3, satisfied: true, denied: false },
    ],
    [
      "required 0 on a corrupt row still needs one approval",
      { required: 0, distinctGroups: false },
      [],
      { approvals: 0, required: 1, satisfied: false, denied: false },
    ],
    [
      "a negative requirement is treated as one",
      { required: -3, distinctGroups: false },
      [approve("b", "approvers")],
      { approvals: 1, required: 1, satisfied: true, denied: false },
    ],
  ])("%s", (_label, policy, decisions, expected) => {
    expect(countQuorum(policy, decisions)).toEqual(expected);
  });

  it("a NaN requirement is never satisfied", () => {
    expect(
      countQuorum({ required: Number.NaN, distinctGroups: false }, [
        approve("b", "approvers"),
        approve("c", "approvers"),
      ]).satisfied,
    ).toBe(false);
  });
});

describe("named approvers (approval.approvers.users)", () => {
  const named = policyOf({
    version: 1,
    rules: [
      {
        id: "named",
        requesters: { groups: ["eng"] },
        accounts: { ids: ["210987654321"] },
        permissionSets: ["PowerUser"],
        maxDurationMinutes: 60,
        approval: {
          auto: false,
          approvers: { groups: [], users: ["Bob@Example.com", "dave@example.com"] },
          required: 1,
        },
      },
      {
        id: "mixed",
        requesters: { groups: ["eng"] },
        accounts: { ids: ["310987654321"] },
        permissionSets: ["PowerUser"],
        maxDurationMinutes: 60,
        approval: { auto: false, approvers: { groups: ["approvers"], users: ["bob@example.com"] } },
      },
      {
        id: "only-alice",
        requesters: { groups: ["eng"] },
        accounts: { ids: ["410987654321"] },
        permissionSets: ["PowerUser"],
        maxDurationMinutes: 60,
        approval: { auto: false, approvers: { users: ["alice@example.com"] } },
      },
    ],
  });
  const alice: Requester = { email: "alice@example.com", groups: ["eng"] };
  const request = {
    requesterId: "u-alice",
    requesterEmail: "alice@example.com",
    targets: [target("paymentsProd", "PowerUser")],
    decisions: [] as ApprovalDecisionRecord[],
  };

  it("reports named approvers in the decision, lowercased", () => {
    expect(evaluateRequest(named, alice, [target("paymentsProd", "PowerUser")], { durationMinutes: 60 })).toMatchObject(
      {
        ok: true,
        decision: { approverGroups: [], approverUsers: ["bob@example.com", "dave@example.com"], requiredApprovals: 1 },
      },
    );
  });

  it("a named approver in no group may approve, matched case-insensitively", () => {
    expect(canApprove(named, { userId: "u-bob", email: "BOB@example.com", groups: [] }, request)).toEqual({
      ok: true,
      viaGroups: [],
      viaUser: true,
    });
  });

  it("someone not named and in no routed group is refused", () => {
    expect(
      canApprove(named, { userId: "u-eve", email: "eve@example.com", groups: ["approvers"] }, request),
    ).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("an empty approver email never matches a named approver", () => {
    expect(canApprove(named, { userId: "u-x", email: "", groups: [] }, request)).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
  });

  it("a named approver is refused on their own request", () => {
    expect(
      canApprove(
        named,
        { userId: "u-bob", email: "bob@example.com", groups: [] },
        { ...request, requesterId: "u-bob", requesterEmail: "Bob@Example.com" },
      ),
    ).toMatchObject({ ok: false, code: "SELF_APPROVAL" });
  });

  it("a target whose only named approver is the requester is denied up front (nobody else could approve)", () => {
    expect(evaluateTarget(named, alice, target("sandbox", "PowerUser"))).toMatchObject({
      allowed: false,
      reason: expect.stringContaining("share no approver"),
    });
  });

  it("across targets, named users and groups intersect per kind", () => {
    expect(
      evaluateRequest(named, alice, [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")], {
        durationMinutes: 60,
      }),
    ).toMatchObject({ ok: true, decision: { approverGroups: [], approverUsers: ["bob@example.com"] } });
    expect(
      canApprove(
        named,
        { userId: "u-dave", email: "dave@example.com", groups: ["approvers"] },
        { ...request, targets: [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")] },
      ),
    ).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });
});

describe("adversarial identities", () => {
  const protoPolicy = policyOf({
    version: 1,
    rules: [
      {
        id: "proto",
        requesters: { groups: ["__proto__"] },
        accounts: { ids: ["*"] },
        permissionSets: ["ReadOnly"],
        maxDurationMinutes: 60,
        approval: { auto: false, approvers: { groups: ["constructor"] } },
      },
    ],
  });

  it.each<[string, Requester, boolean]>([
    ["a requester with no groups does not inherit a __proto__ group", { email: "x@example.com", groups: [] }, false],
    ["a requester whose group is toString gets nothing", { email: "x@example.com", groups: ["toString"] }, false],
    ["a requester really in __proto__ is matched exactly", { email: "x@example.com", groups: ["__proto__"] }, true],
  ])("%s", (_label, requester, allowed) => {
    expect(evaluateTarget(protoPolicy, requester, target("sandbox", "ReadOnly")).allowed).toBe(allowed);
  });

  it("a permission set named constructor matches nothing it was not listed for", () => {
    expect(
      evaluateTarget(protoPolicy, { email: "x@example.com", groups: ["__proto__"] }, target("sandbox", "constructor"))
        .allowed,
    ).toBe(false);
  });

  it("an approver with no groups is not routed through a constructor group", () => {
    const request = {
      requesterId: "u-1",
      requesterEmail: "x@example.com",
      targets: [target("sandbox", "ReadOnly")],
      decisions: [],
    };
    expect(canApprove(protoPolicy, { userId: "u-2", email: "y@example.com", groups: [] }, request)).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect(
      canApprove(protoPolicy, { userId: "u-2", email: "y@example.com", groups: ["constructor"] }, request),
    ).toEqual({ ok: true, viaGroups: ["constructor"], viaUser: false });
  });
});

describe("policyMentionsTarget (the reconciler's scope)", () => {
  it.each<[string, PolicyTarget, boolean]>([
    ["an allow rule by account id", target("paymentsProd", "PowerUser"), true],
    ["an allow rule by OU, nested", target("dataProd", "ReadOnly"), true],
    ["a wildcard permission set under an OU", target("sandbox", "BillingAdmin"), true],
    ["a deny rule alone still puts the target in scope", target("management", "ReadOnly"), true],
    ["a deny rule by OU names admin in every prod account", target("dataProd", "AdministratorAccess"), true],
    ["a permission set no rule names", target("paymentsProd", "BillingAdmin"), false],
    ["an account outside every selector", target("sibling", "ReadOnly"), false],
    ["permission set names are exact", target("paymentsProd", "readonly"), false],
  ])("%s", (_label, candidate, expected) => {
    expect(policyMentionsTarget(demo, candidate)).toBe(expected);
  });
});

describe("canRevoke", () => {
  const request = {
    requesterId: "u-alice",
    requesterEmail: "alice@example.com",
    targets: [target("paymentsProd", "PowerUser")],
  };
  const person = (userId: string, email: string, groups: string[], isAdmin = false) => ({
    userId,
    email,
    groups,
    isAdmin,
  });

  it.each<
    [string, Parameters<typeof canRevoke>[1], Partial<Parameters<typeof canRevoke>[2]>, { ok: boolean; code?: string }]
  >([
    ["a routed approver may revoke", person("u-bob", "bob@example.com", ["approvers"]), {}, { ok: true }],
    [
      "an admin may revoke a request routed to nobody they are in",
      person("u-dave", "dave@example.com", ["portal-admins"], true),
      {},
      { ok: true },
    ],
    [
      "an admin may revoke even where no rule routes anyone",
      person("u-dave", "dave@example.com", [], true),
      { targets: [target("sibling", "PowerUser")] },
      { ok: true },
    ],
    [
      "an approver of another team may not",
      person("u-lead", "lead@example.com", ["data-leads"]),
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "an approver group name in another case may not",
      person("u-eve", "eve@example.com", ["Approvers"]),
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "an approver must be routed for every target",
      person("u-lead", "lead@example.com", ["payments-leads"]),
      { targets: [target("paymentsProd", "PowerUser"), target("dataProd", "PowerUser")] },
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "the requester never revokes through this path",
      person("u-alice", "alice@example.com", ["approvers"]),
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "not even the requester who is an admin",
      person("u-alice", "alice@example.com", ["approvers", "portal-admins"], true),
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "nor the requester's second account (look-alike email) with admin rights",
      person("u-alice-2", "ALICE@example.com", [], true),
      {},
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "only the request's own rules route revocation",
      person("u-bob", "bob@example.com", ["approvers"]),
      { ruleIds: ["data-power"] },
      { ok: false, code: "FORBIDDEN" },
    ],
  ])("%s", (_label, revoker, change, expected) => {
    expect(canRevoke(demo, revoker, { ...request, ...change })).toMatchObject(expected);
  });
});

describe("approvalWindowMinutes", () => {
  const rule = (id: string, expiryMinutes?: number) => ({
    id,
    requesters: { groups: ["team-a"] },
    accounts: { ids: ["210987654321"] },
    permissionSets: ["PowerUser"],
    maxDurationMinutes: 60,
    approval: { ...approval(["approvers"]), ...(expiryMinutes === undefined ? {} : { expiryMinutes }) },
  });
  const policy = (defaults: Record<string, unknown> | undefined, ...rules: ReturnType<typeof rule>[]) =>
    policyOf({ version: 1, ...(defaults ? { defaults } : {}), rules });

  it.each<[string, PolicyDocument, string[], number]>([
    ["no window anywhere: one day", policy(undefined, rule("a")), ["a"], 1440],
    ["the policy default when no rule sets one", policy({ pendingApprovalExpiryMinutes: 120 }, rule("a")), ["a"], 120],
    [
      "a rule's window overrides the default, even when longer",
      policy({ pendingApprovalExpiryMinutes: 120 }, rule("a", 2880)),
      ["a"],
      2880,
    ],
    [
      "the shortest of the matched rules wins",
      policy(undefined, rule("a", 600), rule("b", 45), rule("c")),
      ["a", "b", "c"],
      45,
    ],
    ["rules the request did not match do not count", policy(undefined, rule("a", 600), rule("b", 45)), ["a"], 600],
    [
      "unknown rule ids fall back to the default",
      policy({ pendingApprovalExpiryMinutes: 90 }, rule("a", 30)),
      ["gone"],
      90,
    ],
  ])("%s", (_label, doc, ruleIds, expected) => {
    expect(approvalWindowMinutes(doc, ruleIds)).toBe(expected);
  });
});

describe("sessionRevocation per rule", () => {
  const rule = (id: string, extra: Record<string, unknown>) => ({
    id,
    requesters: { groups: ["team-payments"] },
    accounts: { ids: ["210987654321"] },
    permissionSets: ["ReadOnly"],
    maxDurationMinutes: 480,
    approval: { auto: true },
    ...extra,
  });
  const readOnly = (sessionDurationMinutes: number | null): PolicyTarget => ({
    ...target("paymentsProd", "ReadOnly"),
    sessionDurationMinutes,
  });
  const refusal = "Sessions of this set outlive the access: ask for the whole session.";

  it.each<[string, Record<string, unknown>[], number, boolean, string | null]>([
    ["default: sessions are cut", [{}], 30, true, null],
    ["off: not cut, any window", [{ sessionRevocation: "off" }], 30, false, null],
    ["any rule asking for the cut wins", [{ sessionRevocation: "off" }, {}], 30, true, null],
    [
      "off with the refusal: a window shorter than the session is refused with the rule's reason",
      [{ sessionRevocation: "off", refuseWindowShorterThanSession: refusal }],
      30,
      false,
      refusal,
    ],
    [
      "off with the refusal: a window as long as the session is fine",
      [{ sessionRevocation: "off", refuseWindowShorterThanSession: refusal }],
      60,
      false,
      null,
    ],
    [
      "the refusal does not apply once another rule has the session cut",
      [{ sessionRevocation: "off", refuseWindowShorterThanSession: refusal }, {}],
      30,
      true,
      null,
    ],
  ])("%s", (_name, extras, durationMinutes, revokes, refusedWith) => {
    const policy = policyOf({ version: 1, rules: extras.map((extra, index) => rule(`rule-${index}`, extra)) });
    const verdict = evaluateRequest(policy, alice, [readOnly(60)], { durationMinutes });
    if (refusedWith === null) {
      expect(verdict).toMatchObject({ ok: true, decision: { revokeSessionsOnEnd: [revokes] } });
    } else {
      expect(verdict).toMatchObject({ ok: false, code: "VALIDATION" });
      const message = verdict.ok ? "" : verdict.fieldErrors.durationMinutes!.join(" ");
      expect(message).toContain("an AWS session lasts 1 h and is not cut when access ends");
      expect(message).toContain(refusedWith);
    }
  });

  it("an unknown session duration is not held against the requester", () => {
    const policy = policyOf({
      version: 1,
      rules: [rule("r", { sessionRevocation: "off", refuseWindowShorterThanSession: refusal })],
    });
    expect(evaluateRequest(policy, alice, [readOnly(null)], { durationMinutes: 15 })).toMatchObject({ ok: true });
  });
});

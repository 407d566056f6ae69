import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { AllowRule, PolicyDocument } from "./policy-schema";
import {
  isStandingAccess,
  jitRuleSnippet,
  permissionSetSensitivity,
  sortByMeasure,
  totalMeasures,
  type AccountMeasures,
} from "./scorecard";

const aws = (name: string) => ({ name, arn: `arn:aws:iam::aws:policy/${name}` });

describe("permissionSetSensitivity", () => {
  const cases: [string, Parameters<typeof permissionSetSensitivity>[0], string][] = [
    [
      "AdministratorAccess attached",
      { name: "Ops", policyPrivileged: [], managedPolicies: [aws("AdministratorAccess")] },
      "privileged",
    ],
    [
      "PowerUserAccess attached",
      { name: "Dev", policyPrivileged: [], managedPolicies: [aws("PowerUserAccess")] },
      "privileged",
    ],
    [
      "IAMFullAccess among others",
      { name: "X", policyPrivileged: [], managedPolicies: [aws("ReadOnlyAccess"), aws("IAMFullAccess")] },
      "privileged",
    ],
    [
      "GovCloud partition",
      {
        name: "X",
        policyPrivileged: [],
        managedPolicies: [{ name: "AdministratorAccess", arn: "arn:aws-us-gov:iam::aws:policy/AdministratorAccess" }],
      },
      "privileged",
    ],
    [
      "read-only only",
      { name: "ReadOnly", policyPrivileged: [], managedPolicies: [aws("ReadOnlyAccess")] },
      "standard",
    ],
    ["nothing attached", { name: "Empty", policyPrivileged: [], managedPolicies: [] }, "standard"],
    [
      "named in the policy, nothing attached",
      { name: "BreakGlass", policyPrivileged: ["BreakGlass"], managedPolicies: [] },
      "privileged",
    ],
    [
      "named in the policy, policies unreadable",
      { name: "BreakGlass", policyPrivileged: ["BreakGlass"], managedPolicies: null },
      "privileged",
    ],
    ["policies unreadable is never standard", { name: "Ops", policyPrivileged: [], managedPolicies: null }, "unknown"],
    [
      "policy names are exact (case)",
      { name: "breakglass", policyPrivileged: ["BreakGlass"], managedPolicies: [] },
      "standard",
    ],
    // Adversarial: a customer-managed policy that copies the name, a name that disagrees with its ARN, a prototype key.
    [
      "customer policy copying the name",
      {
        name: "X",
        policyPrivileged: [],
        managedPolicies: [{ name: "AdministratorAccess", arn: "arn:aws:iam::123456789012:policy/AdministratorAccess" }],
      },
      "standard",
    ],
    [
      "name disagrees with ARN",
      {
        name: "X",
        policyPrivileged: [],
        managedPolicies: [{ name: "AdministratorAccess", arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
      },
      "standard",
    ],
    [
      "prototype key as a name",
      { name: "X", policyPrivileged: [], managedPolicies: [aws("constructor"), aws("toString")] },
      "standard",
    ],
    [
      "suffix look-alike",
      { name: "X", policyPrivileged: [], managedPolicies: [aws("AdministratorAccessLite")] },
      "standard",
    ],
  ];
  it.each(cases)("%s", (_, input, level) => {
    expect(permissionSetSensitivity(input).level).toBe(level);
  });
});

describe("isStandingAccess", () => {
  it("counts everything a grant does not back", () => {
    expect(isStandingAccess("jit")).toBe(false);
    for (const kind of ["standing", "out-of-band", "unrecorded", "outside-scope"] as const)
      expect(isStandingAccess(kind)).toBe(true);
  });
});

describe("totals and sorting", () => {
  const row = (name: string, standingPrivilegedUsers: number | null, activeKeys: number | null) => ({
    name,
    measures: {
      standingPrivilegedUsers,
      standingPrivilegedGroups: 0,
      activeKeys,
      oldKeys: activeKeys,
      unusedKeys: 0,
      rootKeys: 0,
      usersWithoutMfa: 0,
    } satisfies AccountMeasures,
  });

  it("an unmeasured account adds to notMeasured, never a zero to the sum", () => {
    const totals = totalMeasures([row("a", 2, null).measures, row("b", 1, 4).measures]);
    expect(totals.standingPrivilegedUsers).toEqual({ value: 3, notMeasured: 0 });
    expect(totals.activeKeys).toEqual({ value: 4, notMeasured: 1 });
  });

  it("sorts largest first, unmeasured last, ties by name", () => {
    const sorted = sortByMeasure(
      [row("c", null, 1), row("b", 1, 1), row("a", 1, 1), row("d", 5, 1)],
      "standingPrivilegedUsers",
    );
    expect(sorted.map((r) => r.name)).toEqual(["d", "a", "b", "c"]);
  });
});

describe("jitRuleSnippet", () => {
  const parse = (snippet: string) => {
    const [rule] = YAML.parse(snippet) as unknown[];
    return AllowRule.parse(rule);
  };

  it("writes a valid rule for a user, for the same account and permission set", () => {
    const rule = parse(
      jitRuleSnippet({
        principal: { type: "USER", email: "dave@example.com" },
        accountId: "012345678901",
        permissionSetName: "AdministratorAccess",
        approverGroups: ["security-approvers"],
      }),
    );
    expect(rule.requesters).toEqual({ users: ["dave@example.com"] });
    expect(rule.accounts).toEqual({ ids: ["012345678901"] });
    expect(rule.permissionSets).toEqual(["AdministratorAccess"]);
    expect(rule.approval).toMatchObject({ auto: false, required: 1, approvers: { groups: ["security-approvers"] } });
  });

  it("a group name with YAML syntax stays one quoted string, and the snippet still fits a policy", () => {
    const name = 'ops: "admins" # [x], {y} & z';
    const snippet = jitRuleSnippet({
      principal: { type: "GROUP", name },
      accountId: "012345678901",
      permissionSetName: "PowerUser",
      approverGroups: ["approvers", "leads"],
    });
    expect(parse(snippet).requesters).toEqual({ groups: [name] });
    const policy = PolicyDocument.parse(YAML.parse(`version: 1\nrules:\n${snippet}`));
    expect(policy.rules[0]!.id).toMatch(/^jit-poweruser-012345678901-ops-admins/);
  });

  it("a very long name still gives a valid rule id", () => {
    const rule = parse(
      jitRuleSnippet({
        principal: { type: "GROUP", name: "g".repeat(200) },
        accountId: "012345678901",
        permissionSetName: "AdministratorAccess",
        approverGroups: ["approvers"],
      }),
    );
    expect(rule.id.length).toBeLessThanOrEqual(64);
  });
});

describe("privilegedPermissionSets in the policy", () => {
  const base = { version: 1 };
  it.each([
    [["BreakGlass", "Ops"], true],
    [[], true],
    [["*"], false],
    [["Admin*"], false],
    [["Ops", "Ops"], false],
    [[""], false],
    ["Ops", false],
    [[42], false],
  ])("%j valid=%s", (value, ok) => {
    expect(PolicyDocument.safeParse({ ...base, privilegedPermissionSets: value }).success).toBe(ok);
  });
  it("defaults to none", () => {
    expect(PolicyDocument.parse(base).privilegedPermissionSets).toEqual([]);
  });
});

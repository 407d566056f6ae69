import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { formatPath, parsePolicyDocument } from "./policy";
import { PolicyDocument } from "./policy-schema";

// A valid document in the shape security teams write; each case below breaks one thing.
function validDocument() {
  return {
    version: 1,
    defaults: { pendingApprovalExpiryMinutes: 1440 },
    rules: [
      {
        id: "payments-prod-readonly",
        description: "Payments engineers read production.",
        requesters: { groups: ["team-payments"], users: ["lead@example.com"] },
        accounts: { ids: ["210987654321"], ous: ["ou-abcd-12345678"] },
        permissionSets: ["ReadOnly", "PowerUser"],
        maxDurationMinutes: 240,
        ticket: { required: true, pattern: "^PAY-[0-9]+$" },
        approval: {
          auto: false,
          approvers: { groups: ["approvers", "payments-leads"] },
          required: 2,
          distinctGroups: true,
        },
        extension: { allowed: true, requiresApproval: true },
      },
      {
        id: "sandbox",
        requesters: { groups: ["*"] },
        accounts: { ous: ["r-ab12"] },
        permissionSets: ["*"],
        maxDurationMinutes: 480,
        approval: { auto: true },
      },
    ],
    deny: [
      {
        id: "no-admin-on-management",
        requesters: { groups: ["*"] },
        accounts: { ids: ["111111111111"] },
        permissionSets: ["AdministratorAccess"],
        reason: "Break-glass only.",
      },
    ],
  };
}

type Doc = ReturnType<typeof validDocument> & Record<string, unknown>;
type Rule = Doc["rules"][number] & Record<string, unknown>;

function problemsOf(mutate: (doc: Doc) => void) {
  const doc = structuredClone(validDocument()) as Doc;
  mutate(doc);
  const result = parsePolicyDocument(doc);
  return result.ok ? [] : result.problems;
}

const rule0 = (doc: Doc) => doc.rules[0] as Rule;

function withRule0(mutate: (rule: Rule) => unknown): Doc {
  const doc = structuredClone(validDocument()) as Doc;
  mutate(rule0(doc));
  return doc;
}

describe("PolicyDocument accepts", () => {
  it("a well-formed document and fills in defaults", () => {
    const result = parsePolicyDocument(validDocument());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.rules[1]!.ticket).toEqual({ required: false });
    expect(result.policy.rules[1]!.extension).toEqual({ allowed: false, requiresApproval: true });
    expect(result.policy.rules[1]!.approval).toEqual({ auto: true, required: 1, distinctGroups: false });
  });

  it("a ticket rule with an example hint, and the same rule without one (older files stay valid)", () => {
    const withHint = parsePolicyDocument(
      withRule0((rule) =>
        Object.assign(rule, { ticket: { required: true, pattern: "^PAY-[0-9]+$", hint: "PAY-1234" } }),
      ),
    );
    expect(withHint.ok && withHint.policy.rules[0]!.ticket).toEqual({
      required: true,
      pattern: "^PAY-[0-9]+$",
      hint: "PAY-1234",
    });
    const without = parsePolicyDocument(
      withRule0((rule) => (rule.ticket = { required: true, pattern: "^PAY-[0-9]+$" })),
    );
    expect(without.ok && without.policy.rules[0]!.ticket).toEqual({ required: true, pattern: "^PAY-[0-9]+$" });
  });

  it("a minimal document: deny by default with no rules", () => {
    const result = parsePolicyDocument({ version: 1 });
    expect(result).toEqual({
      ok: true,
      policy: {
        version: 1,
        defaults: { pendingApprovalExpiryMinutes: 1440 },
        rules: [],
        deny: [],
        breakGlass: [],
        privilegedPermissionSets: [],
      },
    });
  });

  it("its own output again unchanged (stored documents are re-parsed)", () => {
    const first = PolicyDocument.parse(validDocument());
    expect(PolicyDocument.parse(JSON.parse(JSON.stringify(first)))).toEqual(first);
  });

  it("the documented example, with empty user lists, named approvers and an OU", () => {
    const example = YAML.parse(`
version: 1
defaults: { pendingApprovalExpiryMinutes: 1440 }
rules:
  - id: payments-prod-readonly
    description: Payments engineers read production.
    requesters: { groups: [team-payments], users: [] }
    accounts: { ids: ["210987654321"], ous: ["ou-ab12-cdef3456"] }
    permissionSets: [ReadOnly, PowerUser]
    maxDurationMinutes: 240
    ticket: { required: true, pattern: "^PAY-[0-9]+$" }
    approval: { auto: false, approvers: { groups: [approvers], users: [] }, required: 1, distinctGroups: false }
    extension: { allowed: true, requiresApproval: false }
  - id: named-approvers
    requesters: { users: [erin@example.com] }
    accounts: { ids: ["*"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 60
    approval: { auto: false, approvers: { users: [bob@example.com, Dave@Example.com] }, required: 2 }
  - id: auto-with-extension-approvers
    requesters: { groups: [engineering] }
    accounts: { ous: ["r-ab12"] }
    permissionSets: ["*"]
    maxDurationMinutes: 60
    approval: { auto: true, approvers: { groups: [approvers] } }
    extension: { allowed: true, requiresApproval: true }
deny:
  - id: no-admin-on-management
    requesters: { groups: ["*"] }
    accounts: { ids: ["111111111111"] }
    permissionSets: [AdministratorAccess]
    reason: "The management account is break-glass only."
`);
    const result = parsePolicyDocument(example);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it("group names that look like prototype keys are just names", () => {
    const problems = problemsOf(
      (doc) =>
        void (rule0(doc).requesters = { groups: ["__proto__", "constructor", "toString"] } as Rule["requesters"]),
    );
    expect(problems).toEqual([]);
  });

  it("the demo policy's shape (auto rules allowing unapproved extensions)", () => {
    const problems = problemsOf((doc) => {
      doc.rules[1] = { ...doc.rules[1]!, extension: { allowed: true, requiresApproval: false } } as Rule;
    });
    expect(problems).toEqual([]);
  });
});

describe("PolicyDocument rejects, naming the path and the reason", () => {
  it.each<[string, (doc: Doc) => void, string, string]>([
    ["a smuggled key at the top", (doc) => void (doc.admins = ["mallory"]), "admins", "unknown key"],
    [
      "an unknown sessionRevocation value",
      (doc) => void ((rule0(doc) as Record<string, unknown>).sessionRevocation = "never"),
      "rules[0].sessionRevocation",
      'must be "deny-on-end" or "off"',
    ],
    [
      "sessionRevocation as a boolean",
      (doc) => void ((rule0(doc) as Record<string, unknown>).sessionRevocation = false),
      "rules[0].sessionRevocation",
      'must be "deny-on-end" or "off"',
    ],
    [
      "refuseWindowShorterThanSession while sessions are cut anyway",
      (doc) => void ((rule0(doc) as Record<string, unknown>).refuseWindowShorterThanSession = "Sessions last 12 h."),
      "rules[0].refuseWindowShorterThanSession",
      "only applies with sessionRevocation: off",
    ],
    [
      "refuseWindowShorterThanSession without a reason",
      (doc) =>
        void Object.assign(rule0(doc) as Record<string, unknown>, {
          sessionRevocation: "off",
          refuseWindowShorterThanSession: "  ",
        }),
      "rules[0].refuseWindowShorterThanSession",
      "say why",
    ],
    ["a smuggled key in a rule", (doc) => void (rule0(doc).allowAll = true), "rules[0].allowAll", "unknown key"],
    [
      "a smuggled key in a selector",
      (doc) => void ((rule0(doc).requesters as Record<string, unknown>).exceptGroups = ["x"]),
      "rules[0].requesters.exceptGroups",
      "unknown key",
    ],
    [
      "a smuggled key in approval",
      (doc) => void ((rule0(doc).approval as Record<string, unknown>).bypass = true),
      "rules[0].approval.bypass",
      "unknown key",
    ],
    [
      "a misspelled key",
      (doc) => void ((rule0(doc).ticket as Record<string, unknown>).patern = "x"),
      "rules[0].ticket.patern",
      "unknown key",
    ],
    [
      "a smuggled key in a deny rule",
      (doc) => void ((doc.deny[0] as Record<string, unknown>).enabled = false),
      "deny[0].enabled",
      "unknown key",
    ],
    [
      "an empty requester selector",
      (doc) => void (rule0(doc).requesters = {} as Rule["requesters"]),
      "rules[0].requesters",
      "say who",
    ],
    [
      "an empty group list and nothing else",
      (doc) => void (rule0(doc).requesters = { groups: [] } as unknown as Rule["requesters"]),
      "rules[0].requesters",
      'groups: ["*"] for everyone',
    ],
    [
      "empty group and user lists",
      (doc) => void (rule0(doc).requesters = { groups: [], users: [] } as unknown as Rule["requesters"]),
      "rules[0].requesters",
      "say who",
    ],
    [
      "the same user in another case",
      (doc) =>
        void (rule0(doc).requesters = {
          users: ["bob@example.com", "Bob@Example.com"],
        } as unknown as Rule["requesters"]),
      "rules[0].requesters.users[1]",
      "listed twice",
    ],
    [
      "an empty account selector",
      (doc) => void (rule0(doc).accounts = {} as Rule["accounts"]),
      "rules[0].accounts",
      "say which accounts",
    ],
    [
      "an empty account id list and nothing else",
      (doc) => void (rule0(doc).accounts = { ids: [] } as unknown as Rule["accounts"]),
      "rules[0].accounts",
      "at least one account id or OU",
    ],
    [
      "empty id and OU lists",
      (doc) => void (rule0(doc).accounts = { ids: [], ous: [] } as unknown as Rule["accounts"]),
      "rules[0].accounts",
      'ids: ["*"] for all',
    ],
    [
      "an empty permission set list",
      (doc) => void (rule0(doc).permissionSets = []),
      "rules[0].permissionSets",
      "at least one",
    ],
    [
      "a missing permission set list",
      (doc) => void delete (rule0(doc) as Partial<Rule>).permissionSets,
      "rules[0].permissionSets",
      "list the permission sets",
    ],
    [
      '"*" mixed with names',
      (doc) => void (rule0(doc).permissionSets = ["*", "ReadOnly"]),
      "rules[0].permissionSets",
      "write it alone",
    ],
    [
      "a partial wildcard group",
      (doc) => void (rule0(doc).requesters = { groups: ["team-*"] } as Rule["requesters"]),
      "rules[0].requesters.groups[0]",
      "no partial wildcards",
    ],
    [
      "an inverted (negated) group",
      (doc) => void (rule0(doc).requesters = { groups: ["!contractors"] } as Rule["requesters"]),
      "rules[0].requesters.groups[0]",
      "negation",
    ],
    [
      "a group with padding",
      (doc) => void (rule0(doc).requesters = { groups: [" team-payments"] } as Rule["requesters"]),
      "rules[0].requesters.groups[0]",
      "spaces",
    ],
    [
      "a duplicated group",
      (doc) => void (rule0(doc).requesters = { groups: ["a", "a"] } as Rule["requesters"]),
      "rules[0].requesters.groups[1]",
      "listed twice",
    ],
    [
      "a wildcard user",
      (doc) => void (rule0(doc).requesters = { users: ["*"] } as unknown as Rule["requesters"]),
      "rules[0].requesters.users[0]",
      "plain email",
    ],
    [
      "a look-alike Unicode email",
      (doc) => void (rule0(doc).requesters = { users: ["аlice@example.com"] } as unknown as Rule["requesters"]),
      "rules[0].requesters.users[0]",
      "ASCII",
    ],
    [
      "an unquoted account id (YAML number)",
      (doc) => void (rule0(doc).accounts = { ids: [210987654321] } as unknown as Rule["accounts"]),
      "rules[0].accounts.ids[0]",
      "quoted",
    ],
    [
      "an 11-digit account id",
      (doc) => void (rule0(doc).accounts = { ids: ["21098765432"] } as Rule["accounts"]),
      "rules[0].accounts.ids[0]",
      "12-digit",
    ],
    [
      "an account id in the OU list",
      (doc) => void (rule0(doc).accounts = { ous: ["210987654321"] } as unknown as Rule["accounts"]),
      "rules[0].accounts.ous[0]",
      "organizational unit id",
    ],
    [
      "a placeholder OU",
      (doc) => void (rule0(doc).accounts = { ous: ["SANDBOX_OU"] } as unknown as Rule["accounts"]),
      "rules[0].accounts.ous[0]",
      "organizational unit id",
    ],
    [
      '"*" as an approver group',
      (doc) =>
        void (rule0(doc).approval = { auto: false, approvers: { groups: ["*"] }, required: 1, distinctGroups: false }),
      "rules[0].approval.approvers.groups[0]",
      "anyone approve",
    ],
    [
      "a ticket hint the pattern refuses",
      (doc) => void Object.assign(rule0(doc), { ticket: { required: true, pattern: "^PAY-[0-9]+$", hint: "JIRA-1" } }),
      "rules[0].ticket.hint",
      "matches the pattern",
    ],
    [
      "a ticket hint with a control character",
      (doc) =>
        void Object.assign(rule0(doc), { ticket: { required: true, pattern: "^PAY-[0-9]+$", hint: "PAY-1\u0000" } }),
      "rules[0].ticket.hint",
      "control characters",
    ],
    [
      "an empty ticket hint",
      (doc) => void Object.assign(rule0(doc), { ticket: { required: true, hint: "" } }),
      "rules[0].ticket.hint",
      "must not be empty",
    ],
    [
      "an unanchored ticket pattern",
      (doc) => void (rule0(doc).ticket = { required: true, pattern: "PAY-[0-9]+" }),
      "rules[0].ticket.pattern",
      "must be anchored",
    ],
    [
      "a ticket pattern anchored only at the start",
      (doc) => void (rule0(doc).ticket = { required: true, pattern: "^PAY-[0-9]+" }),
      "rules[0].ticket.pattern",
      "must be anchored",
    ],
    [
      "a top-level alternation that escapes the anchors",
      (doc) => void (rule0(doc).ticket = { required: true, pattern: "^PAY-[0-9]+|OPS-[0-9]+$" }),
      "rules[0].ticket.pattern",
      "top-level",
    ],
    [
      "a ticket pattern longer than the bound",
      (doc) => void (rule0(doc).ticket = { required: true, pattern: `^${"A".repeat(200)}$` }),
      "rules[0].ticket.pattern",
      "at most 200",
    ],
    [
      "an invalid ticket regex",
      (doc) => void (rule0(doc).ticket = { required: true, pattern: "^PAY-[0-9+$" }),
      "rules[0].ticket.pattern",
      "not a valid regular expression",
    ],
    [
      "a catastrophic ticket regex",
      (doc) => void (rule0(doc).ticket = { required: true, pattern: "^(PAY-\\d+)+$" }),
      "rules[0].ticket.pattern",
      "backtrack",
    ],
    [
      "required beyond the number of distinct approver groups",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { groups: ["approvers"] },
          required: 2,
          distinctGroups: true,
        }),
      "rules[0].approval.required",
      "distinct groups",
    ],
    [
      "zero required approvals",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { groups: ["approvers"] },
          required: 0,
          distinctGroups: false,
        }),
      "rules[0].approval.required",
      "at least 1",
    ],
    [
      "an empty approver selector",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: {} as { groups: string[] },
          required: 1,
          distinctGroups: false,
        }),
      "rules[0].approval.approvers",
      "at least one approver",
    ],
    [
      "empty approver lists",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { groups: [], users: [] } as { groups: string[] },
          required: 1,
          distinctGroups: false,
        }),
      "rules[0].approval.approvers",
      "at least one approver",
    ],
    [
      '"*" as an approver user',
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { users: ["*"] } as unknown as { groups: string[] },
          required: 1,
          distinctGroups: false,
        }),
      "rules[0].approval.approvers.users[0]",
      "plain email",
    ],
    [
      "more approvals than named approvers (no groups)",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { users: ["bob@example.com"] } as unknown as { groups: string[] },
          required: 2,
          distinctGroups: false,
        }),
      "rules[0].approval.required",
      "1 named approver",
    ],
    [
      "distinct groups with only named users",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { users: ["bob@example.com", "dave@example.com"] } as unknown as { groups: string[] },
          required: 2,
          distinctGroups: true,
        }),
      "rules[0].approval.required",
      "named users do not count",
    ],
    [
      "auto-approval with a quorum (contradictory)",
      (doc) =>
        void (rule0(doc).approval = {
          auto: true,
          approvers: { groups: ["approvers"] },
          required: 2,
          distinctGroups: false,
        }),
      "rules[0].approval.required",
      "auto-approval needs no approvals",
    ],
    [
      "auto-approval with distinct groups (contradictory)",
      (doc) =>
        void (rule0(doc).approval = {
          auto: true,
          approvers: { groups: ["approvers", "security"] },
          required: 1,
          distinctGroups: true,
        }),
      "rules[0].approval.distinctGroups",
      "auto-approval needs no approvals",
    ],
    [
      "an approval window on an auto-approved rule (contradictory)",
      (doc) =>
        void (doc.rules[1] = { ...doc.rules[1]!, approval: { auto: true, expiryMinutes: 60 } } as unknown as Rule),
      "rules[1].approval.expiryMinutes",
      "never waits for approval",
    ],
    [
      "an approval window under 5 minutes",
      (doc) => void (rule0(doc).approval = { ...rule0(doc).approval, expiryMinutes: 4 } as unknown as Rule["approval"]),
      "rules[0].approval.expiryMinutes",
      "at least 5 minutes",
    ],
    [
      "an approval window over 30 days",
      (doc) =>
        void (rule0(doc).approval = { ...rule0(doc).approval, expiryMinutes: 43_201 } as unknown as Rule["approval"]),
      "rules[0].approval.expiryMinutes",
      "at most 30 days",
    ],
    [
      "a fractional approval window",
      (doc) =>
        void (rule0(doc).approval = { ...rule0(doc).approval, expiryMinutes: 90.5 } as unknown as Rule["approval"]),
      "rules[0].approval.expiryMinutes",
      "whole minutes",
    ],
    [
      "an approval window as text",
      (doc) =>
        void (rule0(doc).approval = { ...rule0(doc).approval, expiryMinutes: "60" } as unknown as Rule["approval"]),
      "rules[0].approval.expiryMinutes",
      "number of minutes",
    ],
    [
      "a smuggled key in approvers",
      (doc) =>
        void (rule0(doc).approval = {
          auto: false,
          approvers: { groups: ["approvers"], roles: ["ADMIN"] } as { groups: string[] },
          required: 1,
          distinctGroups: false,
        }),
      "rules[0].approval.approvers.roles",
      "unknown key",
    ],
    [
      "no approvers and no auto-approval",
      (doc) => void (rule0(doc).approval = { auto: false } as Rule["approval"]),
      "rules[0].approval.approvers",
      "name the approver groups",
    ],
    [
      "approval left out entirely",
      (doc) => void delete (rule0(doc) as Partial<Rule>).approval,
      "rules[0].approval",
      "",
    ],
    [
      "extensions needing approval with nobody to approve",
      (doc) => void (doc.rules[1] = { ...doc.rules[1]!, extension: { allowed: true, requiresApproval: true } } as Rule),
      "rules[1].extension.requiresApproval",
      "need approval.approvers",
    ],
    [
      "a zero duration",
      (doc) => void (rule0(doc).maxDurationMinutes = 0),
      "rules[0].maxDurationMinutes",
      "at least 1 minute",
    ],
    [
      "a negative duration",
      (doc) => void (rule0(doc).maxDurationMinutes = -60),
      "rules[0].maxDurationMinutes",
      "at least 1 minute",
    ],
    [
      "a fractional duration",
      (doc) => void (rule0(doc).maxDurationMinutes = 60.5),
      "rules[0].maxDurationMinutes",
      "whole minutes",
    ],
    [
      "a duration as text",
      (doc) => void (rule0(doc).maxDurationMinutes = "240" as unknown as number),
      "rules[0].maxDurationMinutes",
      "number of minutes",
    ],
    [
      "a duration beyond 30 days",
      (doc) => void (rule0(doc).maxDurationMinutes = 43_201),
      "rules[0].maxDurationMinutes",
      "30 days",
    ],
    [
      "a duplicate rule id",
      (doc) => void (doc.rules[1]!.id = "payments-prod-readonly"),
      "rules[1].id",
      "duplicate rule id",
    ],
    [
      "a deny rule reusing an allow rule id",
      (doc) => void (doc.deny[0]!.id = "sandbox"),
      "deny[0].id",
      "first used at rules[1]",
    ],
    ["a rule id with spaces", (doc) => void (rule0(doc).id = "payments prod"), "rules[0].id", "kebab-case"],
    [
      "a deny rule without a reason",
      (doc) => void ((doc.deny[0] as Partial<Doc["deny"][number]>).reason = "  "),
      "deny[0].reason",
      "say why",
    ],
    ["another version", (doc) => void (doc.version = 2), "version", "must be 1"],
    [
      "an unknown default",
      (doc) => void (doc.defaults = { pendingApprovalExpiryMinutes: 60, autoApproveAll: true } as Doc["defaults"]),
      "defaults.autoApproveAll",
      "unknown key",
    ],
    [
      "rules that are not a list",
      (doc) => void (doc.rules = { id: "x" } as unknown as Doc["rules"]),
      "rules",
      "list of rules",
    ],
  ])("%s", (_label, mutate, path, message) => {
    const problems = problemsOf(mutate);
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)?.message).toContain(message);
  });

  it("rejects a __proto__ key smuggled through JSON", () => {
    const raw = JSON.parse('{"version":1,"rules":[],"__proto__":{"rules":[{"id":"x"}]}}');
    const result = parsePolicyDocument(raw);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toContainEqual({ path: "__proto__", message: expect.stringContaining("unknown key") });
  });

  it.each([null, "version: 1", [], 42])("rejects a document that is not an object (%j)", (raw) => {
    const result = parsePolicyDocument(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.path).toBe("");
  });

  it("reports every problem at once, not just the first", () => {
    const problems = problemsOf((doc) => {
      rule0(doc).maxDurationMinutes = 0;
      rule0(doc).permissionSets = [];
      doc.deny[0]!.accounts = { ids: ["1"] };
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      "deny[0].accounts.ids[0]",
      "rules[0].maxDurationMinutes",
      "rules[0].permissionSets",
    ]);
  });
});

describe("formatPath", () => {
  it.each<[PropertyKey[], string]>([
    [[], ""],
    [["rules", 2, "ticket", "pattern"], "rules[2].ticket.pattern"],
    [["deny", 0], "deny[0]"],
    [["version"], "version"],
  ])("%j → %s", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

import { describe, expect, it } from "vitest";
import {
  breakGlassOptions,
  evaluateBreakGlass,
  mayBreakGlass,
  minutesToReview,
  reviewDueAt,
  reviewProblem,
} from "./break-glass";
import { parsePolicyDocument, policyMentionsTarget } from "./policy";
import type { PolicyDocument } from "./policy-schema";

const PAYMENTS_PROD = "210987654321";
const MANAGEMENT = "111111111111";

function validDocument() {
  return {
    version: 1,
    rules: [
      {
        id: "payments-read",
        requesters: { groups: ["team-payments"] },
        accounts: { ids: [PAYMENTS_PROD] },
        permissionSets: ["ReadOnly"],
        maxDurationMinutes: 60,
        approval: { auto: true },
      },
    ],
    deny: [
      {
        id: "no-management",
        requesters: { groups: ["*"] },
        accounts: { ids: [MANAGEMENT] },
        permissionSets: ["*"],
        reason: "The management account is break-glass only, offline.",
      },
    ],
    breakGlass: [
      {
        id: "on-call-payments",
        description: "On-call fixes payments production.",
        requesters: { groups: ["on-call"], users: ["incident.lead@example.com"] },
        accounts: { ids: [PAYMENTS_PROD, MANAGEMENT] },
        permissionSets: ["AdministratorAccess", "PowerUser"],
        maxDurationMinutes: 60,
        incident: { pattern: "^INC-[0-9]{1,8}$", hint: "INC-1234" },
      },
    ],
  };
}

type Doc = ReturnType<typeof validDocument> & Record<string, unknown>;
type Rule = Doc["breakGlass"][number] & Record<string, unknown>;

function problemsOf(mutate: (rule: Rule, doc: Doc) => void) {
  const doc = structuredClone(validDocument()) as Doc;
  mutate(doc.breakGlass[0] as Rule, doc);
  const result = parsePolicyDocument(doc);
  return result.ok ? [] : result.problems;
}

function policy(): PolicyDocument {
  const parsed = parsePolicyDocument(validDocument());
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

describe("breakGlass rules in the policy", () => {
  it("accepts the valid document and defaults to no break-glass rules", () => {
    expect(problemsOf(() => {})).toEqual([]);
    const withoutBreakGlass: Partial<Doc> = validDocument();
    delete withoutBreakGlass.breakGlass;
    const parsed = parsePolicyDocument(withoutBreakGlass);
    expect(parsed.ok && parsed.policy.breakGlass).toEqual([]);
  });

  const cases: [string, (rule: Rule, doc: Doc) => void, string, RegExp][] = [
    ["an unknown key", (r) => (r.approval = { auto: true }), "breakGlass[0].approval", /unknown key/],
    [
      "a smuggled key in incident",
      (r) => ((r.incident as Record<string, unknown>).required = false),
      "breakGlass[0].incident.required",
      /unknown key/,
    ],
    [
      "an empty requester selector",
      (r) => (r.requesters = { groups: [], users: [] } as never),
      "breakGlass[0].requesters",
      /say who/,
    ],
    [
      "a partial wildcard group",
      (r) => (r.requesters = { groups: ["on-*"] } as never),
      "breakGlass[0].requesters.groups[0]",
      /no partial wildcards/,
    ],
    ["an empty account selector", (r) => (r.accounts = {} as never), "breakGlass[0].accounts", /say which accounts/],
    ["no permission sets", (r) => (r.permissionSets = []), "breakGlass[0].permissionSets", /at least one/],
    [
      "a duration over the break-glass cap",
      (r) => (r.maxDurationMinutes = 241),
      "breakGlass[0].maxDurationMinutes",
      /at most 240 minutes/,
    ],
    [
      "a fractional duration",
      (r) => (r.maxDurationMinutes = 30.5),
      "breakGlass[0].maxDurationMinutes",
      /whole minutes/,
    ],
    [
      "a duration as text",
      (r) => (r.maxDurationMinutes = "60" as never),
      "breakGlass[0].maxDurationMinutes",
      /number of minutes/,
    ],
    ["a missing incident rule", (r) => delete (r as Partial<Rule>).incident, "breakGlass[0].incident", /missing/],
    [
      "an incident without a pattern",
      (r) => (r.incident = { hint: "INC-1" } as never),
      "breakGlass[0].incident.pattern",
      /regular expression/,
    ],
    [
      "an unanchored incident pattern",
      (r) => (r.incident = { pattern: "INC-[0-9]+" } as never),
      "breakGlass[0].incident.pattern",
      /anchored/,
    ],
    [
      "a catastrophic incident pattern",
      (r) => (r.incident = { pattern: "^(a+)+$" } as never),
      "breakGlass[0].incident.pattern",
      /backtrack/,
    ],
    [
      "a hint the pattern refuses",
      (r) => (r.incident = { pattern: "^INC-[0-9]+$", hint: "PAY-1" }),
      "breakGlass[0].incident.hint",
      /matches the pattern/,
    ],
    [
      "a rule id shared with an allow rule",
      (r) => (r.id = "payments-read"),
      "breakGlass[0].id",
      /duplicate rule id "payments-read" \(first used at rules\[0\]\)/,
    ],
    ["an upper-case rule id", (r) => (r.id = "OnCall"), "breakGlass[0].id", /kebab-case/],
    [
      "breakGlass that is not a list",
      (_r, d) => (d.breakGlass = {} as never),
      "breakGlass",
      /list of break-glass rules/,
    ],
  ];
  it.each(cases)("rejects %s with its path", (_name, mutate, path, message) => {
    const problems = problemsOf(mutate);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe("evaluateBreakGlass", () => {
  const onCall = { email: "erin@example.com", groups: ["engineering", "on-call"] };
  const namedLead = { email: "Incident.Lead@example.com", groups: [] };
  const engineer = { email: "alice@example.com", groups: ["engineering", "team-payments"] };
  const prod = { account: { id: PAYMENTS_PROD, ouIds: ["r-ab12"] }, permissionSetName: "AdministratorAccess" };
  const ok = { durationMinutes: 60, incident: "INC-42" };

  const cases: [
    string,
    Parameters<typeof evaluateBreakGlass>[1],
    Parameters<typeof evaluateBreakGlass>[2],
    { durationMinutes: number; incident: string | undefined },
    unknown,
  ][] = [
    [
      "an on-call engineer within the rule",
      onCall,
      prod,
      ok,
      {
        ok: true,
        target: {
          ruleIds: ["on-call-payments"],
          maxDurationMinutes: 60,
          incident: { patterns: ["^INC-[0-9]{1,8}$"], examples: ["INC-1234"] },
        },
      },
    ],
    ["a named user, email case-folded", namedLead, prod, ok, { ok: true }],
    ["someone on no break-glass list", engineer, prod, ok, { ok: false, code: "FORBIDDEN" }],
    [
      "a look-alike of the named user",
      { email: "incident.leаd@example.com", groups: [] },
      prod,
      ok,
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "a case-changed group",
      { email: "x@example.com", groups: ["On-Call"] },
      prod,
      ok,
      { ok: false, code: "FORBIDDEN" },
    ],
    [
      "a deny-rule target (deny wins)",
      onCall,
      { ...prod, account: { id: MANAGEMENT, ouIds: [] } },
      ok,
      { ok: false, code: "POLICY_DENIED", message: "The management account is break-glass only, offline." },
    ],
    [
      "a permission set the rule does not name",
      onCall,
      { ...prod, permissionSetName: "ReadOnly" },
      ok,
      { ok: false, code: "POLICY_DENIED", message: expect.stringMatching(/does not cover ReadOnly/) },
    ],
    [
      "a duration over the rule's maximum",
      onCall,
      prod,
      { ...ok, durationMinutes: 61 },
      { ok: false, code: "VALIDATION", fieldErrors: { durationMinutes: ["Emergency access lasts at most 1 h here."] } },
    ],
    [
      "no incident",
      onCall,
      prod,
      { ...ok, incident: undefined },
      {
        ok: false,
        code: "VALIDATION",
        fieldErrors: { incident: ["An incident reference is required, for example INC-1234."] },
      },
    ],
    [
      "a blank incident",
      onCall,
      prod,
      { ...ok, incident: "   " },
      { ok: false, code: "VALIDATION", fieldErrors: { incident: [expect.stringMatching(/required/)] } },
    ],
    [
      "an incident with a smuggled suffix",
      onCall,
      prod,
      { ...ok, incident: "INC-42; drop" },
      {
        ok: false,
        code: "VALIDATION",
        fieldErrors: {
          incident: ["This incident reference does not have the expected form; write it for example INC-1234."],
        },
      },
    ],
    [
      "an overlong incident",
      onCall,
      prod,
      { ...ok, incident: `INC-${"1".repeat(80)}` },
      { ok: false, code: "VALIDATION", fieldErrors: { incident: [expect.stringMatching(/at most 64/)] } },
    ],
  ];
  it.each(cases)("%s", (_name, requester, target, options, expected) => {
    expect(evaluateBreakGlass(policy(), requester, target, options)).toMatchObject(expected as object);
  });

  it("applies the strictest of several matching rules", () => {
    const doc = validDocument();
    doc.breakGlass.push({
      ...doc.breakGlass[0]!,
      id: "short-admin",
      permissionSets: ["AdministratorAccess"],
      maxDurationMinutes: 30,
      incident: { pattern: "^INC-[0-9]{2}$", hint: "INC-12" },
    });
    const parsed = parsePolicyDocument(doc);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(evaluateBreakGlass(parsed.policy, onCall, prod, { durationMinutes: 45, incident: "INC-123" })).toMatchObject(
      {
        ok: false,
        fieldErrors: {
          durationMinutes: ["Emergency access lasts at most 30 min here."],
          incident: [expect.any(String)],
        },
      },
    );
    expect(evaluateBreakGlass(parsed.policy, onCall, prod, { durationMinutes: 30, incident: "INC-12" })).toMatchObject({
      ok: true,
      target: { ruleIds: ["on-call-payments", "short-admin"], maxDurationMinutes: 30 },
    });
  });

  it("offers the entry and the targets only to people a rule names, never a denied target", () => {
    expect(mayBreakGlass(policy(), onCall)).toBe(true);
    expect(mayBreakGlass(policy(), engineer)).toBe(false);
    const accounts = [
      { id: PAYMENTS_PROD, ouIds: [] },
      { id: MANAGEMENT, ouIds: [] },
    ];
    const sets = [{ name: "AdministratorAccess" }, { name: "ReadOnly" }];
    const options = breakGlassOptions(policy(), onCall, accounts, sets);
    expect(options.map((o) => `${o.permissionSet.name}@${o.account.id}`)).toEqual([
      `AdministratorAccess@${PAYMENTS_PROD}`,
    ]);
    expect(breakGlassOptions(policy(), engineer, accounts, sets)).toEqual([]);
  });

  it("makes break-glass targets watched by the reconciler", () => {
    const doc = policy();
    const target = { account: { id: PAYMENTS_PROD, ouIds: [] }, permissionSetName: "PowerUser" };
    expect(policyMentionsTarget(doc, target)).toBe(true);
    expect(policyMentionsTarget({ ...doc, breakGlass: [] }, target)).toBe(false);
  });
});

describe("break-glass review", () => {
  const cases: [string, Parameters<typeof reviewProblem>[0], Parameters<typeof reviewProblem>[1], unknown][] = [
    [
      "another reviewer, justified",
      { reviewerId: "carol", verdict: "JUSTIFIED", comment: undefined },
      { userId: "erin" },
      null,
    ],
    [
      "the user themself",
      { reviewerId: "erin", verdict: "JUSTIFIED", comment: "fine" },
      { userId: "erin" },
      { code: "SELF_APPROVAL" },
    ],
    [
      "not justified without a comment",
      { reviewerId: "carol", verdict: "NOT_JUSTIFIED", comment: "  " },
      { userId: "erin" },
      { code: "VALIDATION" },
    ],
    [
      "not justified with a comment",
      { reviewerId: "carol", verdict: "NOT_JUSTIFIED", comment: "no incident" },
      { userId: "erin" },
      null,
    ],
    [
      "an offline use (no portal user)",
      { reviewerId: "carol", verdict: "JUSTIFIED", comment: undefined },
      { userId: null },
      null,
    ],
  ];
  it.each(cases)("%s", (_name, review, use, expected) => {
    const problem = reviewProblem(review, use);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatchObject(expected as object);
  });

  it("measures the due time and the time to review", () => {
    const used = new Date("2026-01-01T00:00:00Z");
    expect(reviewDueAt(used, 24).toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(reviewDueAt(used, 0.01).toISOString()).toBe("2026-01-01T00:00:36.000Z");
    expect(minutesToReview(used, null)).toBeNull();
    expect(minutesToReview(used, new Date("2026-01-01T01:30:00Z"))).toBe(90);
  });
});

import { describe, expect, it } from "vitest";
import { describePolicyDiff, diffPolicies, policyDiffIsEmpty, type PolicyDiff } from "./policy-diff";
import { PolicyDocument } from "./policy-schema";

const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  requesters: { groups: ["team-a", "team-b"] },
  accounts: { ids: ["111111111111"] },
  permissionSets: ["ReadOnly"],
  maxDurationMinutes: 60,
  approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
  ...extra,
});
const deny = (id: string, reason = "never") => ({
  id,
  requesters: { groups: ["*"] },
  accounts: { ids: ["*"] },
  permissionSets: ["Admin"],
  reason,
});
const doc = (parts: Record<string, unknown> = {}) => ({
  version: 1,
  defaults: { pendingApprovalExpiryMinutes: 1440 },
  rules: [rule("a"), rule("b")],
  deny: [deny("no-admin")],
  ...parts,
});

const cases: { name: string; before: unknown; after: unknown; expected: PolicyDiff }[] = [
  { name: "identical documents", before: doc(), after: doc(), expected: { lists: [], fields: [] } },
  {
    name: "reordered rules are no change",
    before: doc(),
    after: doc({ rules: [rule("b"), rule("a")] }),
    expected: { lists: [], fields: [] },
  },
  {
    name: "reordered group names are no change",
    before: doc(),
    after: doc({ rules: [rule("a", { requesters: { groups: ["team-b", "team-a"] } }), rule("b")] }),
    expected: { lists: [], fields: [] },
  },
  {
    name: "reordered keys are no change",
    before: doc(),
    after: {
      deny: [deny("no-admin")],
      rules: [rule("a"), rule("b")],
      defaults: { pendingApprovalExpiryMinutes: 1440 },
      version: 1,
    },
    expected: { lists: [], fields: [] },
  },
  {
    name: "an added and a removed rule",
    before: doc(),
    after: doc({ rules: [rule("a"), rule("c")] }),
    expected: { lists: [{ section: "rules", added: ["c"], removed: ["b"], changed: [] }], fields: [] },
  },
  {
    name: "a changed scalar field",
    before: doc(),
    after: doc({ rules: [rule("a", { maxDurationMinutes: 120 }), rule("b")] }),
    expected: {
      lists: [
        {
          section: "rules",
          added: [],
          removed: [],
          changed: [{ id: "a", changes: [{ path: "maxDurationMinutes", before: 60, after: 120 }] }],
        },
      ],
      fields: [],
    },
  },
  {
    name: "a nested field, set and removed fields",
    before: doc({ rules: [rule("a", { description: "old" }), rule("b")] }),
    after: doc({
      rules: [
        rule("a", {
          approval: { auto: false, approvers: { groups: ["approvers"] }, required: 2 },
          ticket: { required: true },
        }),
        rule("b"),
      ],
    }),
    expected: {
      lists: [
        {
          section: "rules",
          added: [],
          removed: [],
          changed: [
            {
              id: "a",
              changes: [
                { path: "approval.required", before: 1, after: 2 },
                { path: "description", before: "old" },
                { path: "ticket", after: { required: true } },
              ],
            },
          ],
        },
      ],
      fields: [],
    },
  },
  {
    name: "a list of names gains and loses entries",
    before: doc(),
    after: doc({ rules: [rule("a", { requesters: { groups: ["team-a", "team-c"] } }), rule("b")] }),
    expected: {
      lists: [
        {
          section: "rules",
          added: [],
          removed: [],
          changed: [
            {
              id: "a",
              changes: [
                {
                  path: "requesters.groups",
                  before: ["team-a", "team-b"],
                  after: ["team-a", "team-c"],
                  added: ["team-c"],
                  removed: ["team-b"],
                },
              ],
            },
          ],
        },
      ],
      fields: [],
    },
  },
  {
    name: "deny rules are diffed like allow rules",
    before: doc(),
    after: doc({ deny: [deny("no-admin", "ask security"), deny("no-root")] }),
    expected: {
      lists: [
        {
          section: "deny",
          added: ["no-root"],
          removed: [],
          changed: [{ id: "no-admin", changes: [{ path: "reason", before: "never", after: "ask security" }] }],
        },
      ],
      fields: [],
    },
  },
  {
    name: "a section added later (break-glass) lists its entries as added",
    before: doc(),
    after: doc({ breakGlass: [{ id: "on-call", maxDurationMinutes: 60 }] }),
    expected: { lists: [{ section: "breakGlass", added: ["on-call"], removed: [], changed: [] }], fields: [] },
  },
  {
    name: "a section removed entirely lists its entries as removed",
    before: doc({ breakGlass: [{ id: "on-call", maxDurationMinutes: 60 }] }),
    after: doc(),
    expected: { lists: [{ section: "breakGlass", added: [], removed: ["on-call"], changed: [] }], fields: [] },
  },
  {
    name: "a changed entry of an unknown future section",
    before: doc({ groupTargets: [{ id: "db", group: "db-admins" }] }),
    after: doc({ groupTargets: [{ id: "db", group: "db-owners" }] }),
    expected: {
      lists: [
        {
          section: "groupTargets",
          added: [],
          removed: [],
          changed: [{ id: "db", changes: [{ path: "group", before: "db-admins", after: "db-owners" }] }],
        },
      ],
      fields: [],
    },
  },
  {
    name: "sections come in one order whatever order the documents list them in",
    before: { deny: [deny("x")], breakGlass: [{ id: "g" }], rules: [rule("a")] },
    after: { zeta: [{ id: "z" }], rules: [], deny: [], breakGlass: [] },
    expected: {
      lists: [
        { section: "rules", added: [], removed: ["a"], changed: [] },
        { section: "deny", added: [], removed: ["x"], changed: [] },
        { section: "breakGlass", added: [], removed: ["g"], changed: [] },
        { section: "zeta", added: ["z"], removed: [], changed: [] },
      ],
      fields: [],
    },
  },
  {
    name: "defaults and other scalar sections field by field",
    before: doc(),
    after: doc({ defaults: { pendingApprovalExpiryMinutes: 60 } }),
    expected: { lists: [], fields: [{ path: "defaults.pendingApprovalExpiryMinutes", before: 1440, after: 60 }] },
  },
  {
    name: "an id'd list nested in a rule is compared by id too",
    before: doc({
      rules: [
        rule("a", {
          targets: [
            { id: "x", n: 1 },
            { id: "y", n: 1 },
          ],
        }),
      ],
    }),
    after: doc({
      rules: [
        rule("a", {
          targets: [
            { id: "y", n: 2 },
            { id: "x", n: 1 },
          ],
        }),
      ],
    }),
    expected: {
      lists: [
        {
          section: "rules",
          added: [],
          removed: [],
          changed: [{ id: "a", changes: [{ path: "targets[y].n", before: 1, after: 2 }] }],
        },
      ],
      fields: [],
    },
  },
  {
    name: "from nothing (first load) every entry is added",
    before: null,
    after: { version: 1, rules: [rule("a")], deny: [] },
    expected: {
      lists: [{ section: "rules", added: ["a"], removed: [], changed: [] }],
      fields: [{ path: "version", after: 1 }],
    },
  },
];

describe("diffPolicies", () => {
  it.each(cases)("$name", ({ before, after, expected }) => {
    expect(diffPolicies(before, after)).toEqual(expected);
  });

  it("diffs parsed documents (defaults filled in) without noise", () => {
    const parsed = (raw: unknown) => PolicyDocument.parse(raw);
    const before = parsed(doc());
    const after = parsed(doc({ rules: [rule("b"), rule("a", { extension: { allowed: false } })] }));
    expect(policyDiffIsEmpty(diffPolicies(before, after))).toBe(true);
  });
});

describe("describePolicyDiff", () => {
  it("says what was added, removed and changed in plain words", () => {
    const before = doc({ rules: [rule("a", { description: "old" }), rule("b")] });
    const after = doc({
      rules: [rule("a", { maxDurationMinutes: 30, requesters: { groups: ["team-a", "team-c"] } }), rule("c")],
      deny: [],
      breakGlass: [{ id: "on-call" }],
      defaults: { pendingApprovalExpiryMinutes: 60 },
    });
    expect(describePolicyDiff(diffPolicies(before, after))).toEqual([
      { kind: "added", text: "Added allow rule c", details: [] },
      { kind: "removed", text: "Removed allow rule b", details: [] },
      {
        kind: "changed",
        text: "Changed allow rule a",
        details: [
          'description: removed (was "old")',
          "maxDurationMinutes: 60 → 30",
          'requesters.groups: added "team-c"; removed "team-b"',
        ],
      },
      { kind: "removed", text: "Removed deny rule no-admin", details: [] },
      { kind: "added", text: "Added break-glass rule on-call", details: [] },
      { kind: "changed", text: "defaults.pendingApprovalExpiryMinutes: 1440 → 60", details: [] },
    ]);
  });
});

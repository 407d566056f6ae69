import { describe, expect, it } from "vitest";
import {
  planReconcile,
  targetKey,
  type KnownTuple,
  type ObservedTarget,
  type OpenFinding,
  type ReconcileAction,
  type ReconcileGrant,
  type ReconcileInput,
  type ReconcileSettings,
} from "./reconcile";
import type { GrantStatus } from "./request-lifecycle";

const now = new Date("2030-01-15T10:00:00.000Z");
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const ACCOUNT = "210987654321";
const PS = "arn:aws:sso:::permissionSet/ssoins-7223a8d4c1e95b06/ps-8d3f62a1c0b97e44";
const OTHER_PS = "arn:aws:sso:::permissionSet/ssoins-7223a8d4c1e95b06/ps-4b1e9c07d2a86f35";
const ALICE = "9067c4e1a2-aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const BOB = "9067c4e1a2-bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const GROUP = "9067c4e1a2-cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const target = { accountId: ACCOUNT, permissionSetArn: PS };
const alice = { ...target, principalType: "USER" as const, principalId: ALICE };
const group = { ...target, principalType: "GROUP" as const, principalId: GROUP };

const settings: ReconcileSettings = { missing: "mark", outOfBand: "report", graceMs: 60_000 };

function grant(id: string, status: GrantStatus, extra: Partial<ReconcileGrant> = {}): ReconcileGrant {
  const delivered = ["ACTIVE", "REMOVING", "REMOVAL_FAILED", "REMOVED"].includes(status);
  return {
    id,
    ...target,
    principalId: ALICE,
    status,
    startsAt: at(-120),
    endsAt: at(60),
    updatedAt: at(-30),
    createVerifiedAt: delivered ? at(-119) : null,
    ...extra,
  };
}
const ended = (id: string, status: GrantStatus = "REMOVED", extra: Partial<ReconcileGrant> = {}) =>
  grant(id, status, { endsAt: at(-60), updatedAt: at(-59), ...extra });

function observed(principals: ObservedTarget["principals"], extra: Partial<ObservedTarget> = {}): ObservedTarget {
  return { ...target, listedAt: now, principals, ...extra };
}
const finding = (id: string, kind: OpenFinding["kind"], extra: Partial<OpenFinding> = {}): OpenFinding => ({
  id,
  kind,
  ...alice,
  grantId: null,
  ...extra,
});
const standingRow = (principalId = ALICE, isStanding = true): KnownTuple => ({
  ...target,
  principalId,
  standing: isStanding,
});

function plan(input: Partial<ReconcileInput> & { targets: ObservedTarget[] }) {
  return planReconcile({
    now,
    baselinedTargets: [targetKey(target)],
    grants: [],
    tuples: [],
    openFindings: [],
    settings,
    ...input,
  });
}

// A compact view of the plan: "drift:KIND:remedy:grantIds:findingId", "baseline:principal", "resolve:findingId:reason".
function summary(actions: ReconcileAction[]) {
  return actions.map((a) => {
    if (a.type === "baseline")
      return `baseline:${a.tuple.principalType}:${a.tuple.principalId === ALICE ? "alice" : a.tuple.principalId === BOB ? "bob" : "group"}`;
    if (a.type === "drift") return `drift:${a.kind}:${a.remedy}:${a.grantIds.join(",")}:${a.findingId ?? "new"}`;
    return `resolve:${a.findingId}:${a.reason}`;
  });
}

const ALICE_PRESENT = [{ principalType: "USER" as const, principalId: ALICE }];

describe("planReconcile", () => {
  it.each<[string, Partial<ReconcileInput> & { targets: ObservedTarget[] }, string[]]>([
    // --- in sync
    [
      "an active grant with its assignment: nothing to do",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "ACTIVE")] },
      [],
    ],
    ["no grant, no assignment: nothing to do", { targets: [observed([])] }, []],
    ["an ended grant whose assignment is gone: nothing to do", { targets: [observed([])], grants: [ended("g1")] }, []],
    [
      "a standing assignment with no grant is never reported",
      { targets: [observed(ALICE_PRESENT)], tuples: [standingRow()] },
      [],
    ],
    [
      "a standing assignment outlives an ended grant and is never removed",
      { targets: [observed(ALICE_PRESENT)], tuples: [standingRow()], grants: [ended("g1")] },
      [],
    ],
    // --- ref-counting
    [
      "overlapping grants: one ended (kept for the other), one active → expected",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1", "REMOVED"), grant("g2", "ACTIVE")] },
      [],
    ],
    [
      "overlapping grants both active but the assignment is gone → one finding naming both, both marked",
      {
        targets: [observed([])],
        grants: [grant("g1", "ACTIVE", { endsAt: at(30) }), grant("g2", "ACTIVE", { endsAt: at(90) })],
      },
      ["drift:MISSING_ASSIGNMENT:mark-failed:g2,g1:new"],
    ],
    [
      "overlapping grants, recreate: only the one ending last is re-created",
      {
        targets: [observed([])],
        grants: [grant("g1", "ACTIVE", { endsAt: at(30) }), grant("g2", "ACTIVE", { endsAt: at(90) })],
        settings: { ...settings, missing: "recreate" },
      },
      ["drift:MISSING_ASSIGNMENT:recreate:g2:new"],
    ],
    // --- missing
    [
      "an active grant whose assignment was deleted behind our back → mark",
      { targets: [observed([])], grants: [grant("g1", "ACTIVE")] },
      ["drift:MISSING_ASSIGNMENT:mark-failed:g1:new"],
    ],
    [
      "… or re-create when configured",
      { targets: [observed([])], grants: [grant("g1", "ACTIVE")], settings: { ...settings, missing: "recreate" } },
      ["drift:MISSING_ASSIGNMENT:recreate:g1:new"],
    ],
    [
      "a standing tuple does not excuse a missing assignment an active grant needs",
      { targets: [observed([])], grants: [grant("g1", "ACTIVE")], tuples: [standingRow()] },
      ["drift:MISSING_ASSIGNMENT:mark-failed:g1:new"],
    ],
    [
      "a missing assignment seen again repeats its open finding",
      {
        targets: [observed([])],
        grants: [grant("g1", "ACTIVE")],
        openFindings: [finding("f1", "MISSING_ASSIGNMENT", { grantId: "g1" })],
      },
      ["drift:MISSING_ASSIGNMENT:mark-failed:g1:f1"],
    ],
    // --- lingering
    [
      "an ended grant whose assignment was re-added → remove",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1")] },
      ["drift:LINGERING_ASSIGNMENT:unassign:g1:new"],
    ],
    [
      "a grant marked failed after it had delivered, assignment back → lingering",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1", "FAILED", { createVerifiedAt: at(-100) })] },
      ["drift:LINGERING_ASSIGNMENT:unassign:g1:new"],
    ],
    [
      "a lingering removal is never done for a standing tuple",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1")], tuples: [standingRow()] },
      [],
    ],
    [
      "several ended grants: the latest is named first",
      {
        targets: [observed(ALICE_PRESENT)],
        grants: [ended("g1", "REMOVED", { endsAt: at(-300) }), ended("g2", "REMOVED", { endsAt: at(-90) })],
      },
      ["drift:LINGERING_ASSIGNMENT:unassign:g2,g1:new"],
    ],
    // --- in flight and grace
    [
      "a provisioning grant with no assignment yet: wait",
      { targets: [observed([])], grants: [grant("g1", "PROVISIONING")] },
      [],
    ],
    [
      "a removing grant whose assignment is still listed: wait",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "REMOVING")] },
      [],
    ],
    [
      "a removal that failed is the removal job's (and the alert's): wait",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "REMOVAL_FAILED")] },
      [],
    ],
    [
      "an in-flight grant blocks even a lingering sibling",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1"), grant("g2", "PROVISIONING")] },
      [],
    ],
    [
      "a scheduled grant whose start has come: activation is about to run",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1"), grant("g2", "SCHEDULED", { startsAt: at(-1) })] },
      [],
    ],
    [
      "a grant removed moments ago (after the listing started): its own job won, wait",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1", "REMOVED", { updatedAt: at(0.5) })] },
      [],
    ],
    [
      "a grant removed within the grace before the listing: wait",
      {
        targets: [observed(ALICE_PRESENT)],
        grants: [ended("g1", "REMOVED", { updatedAt: new Date(now.getTime() - 30_000) })],
      },
      [],
    ],
    [
      "a grant activated right after the listing: not missing",
      { targets: [observed([])], grants: [grant("g1", "ACTIVE", { updatedAt: at(0.2) })] },
      [],
    ],
    [
      "an active grant past its end belongs to its removal job",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "ACTIVE", { endsAt: at(-1) })] },
      [],
    ],
    [
      "an active grant past its end with no assignment is not missing",
      { targets: [observed([])], grants: [grant("g1", "ACTIVE", { endsAt: at(-10) })] },
      [],
    ],
    // --- out of band
    [
      "an assignment nobody requested → report only by default",
      { targets: [observed(ALICE_PRESENT)] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    [
      "… and removed when policy says so",
      { targets: [observed(ALICE_PRESENT)], settings: { ...settings, outOfBand: "remove" } },
      ["drift:OUT_OF_BAND_ASSIGNMENT:unassign::new"],
    ],
    [
      "a group assignment is reported but never removed automatically",
      {
        targets: [observed([{ principalType: "GROUP", principalId: GROUP }])],
        settings: { ...settings, outOfBand: "remove" },
      },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    [
      "a group with the same id as a user's grant is still not the grant's",
      {
        targets: [observed([{ principalType: "GROUP", principalId: ALICE }])],
        grants: [grant("g1", "ACTIVE", { endsAt: at(30) })],
        settings: { ...settings, missing: "mark" },
      },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new", "drift:MISSING_ASSIGNMENT:mark-failed:g1:new"],
    ],
    [
      "a future scheduled grant does not explain an assignment today",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "SCHEDULED", { startsAt: at(60), endsAt: at(120) })] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    [
      "a grant that failed before creating anything does not explain the assignment",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1", "FAILED")] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    [
      "a cancelled grant does not explain the assignment",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1", "CANCELLED")] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    [
      "an out-of-band assignment seen again only repeats its finding (no new one)",
      { targets: [observed(ALICE_PRESENT)], openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT")] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::f1"],
    ],
    [
      "an out-of-band removal is never planned for a standing tuple",
      { targets: [observed(ALICE_PRESENT)], tuples: [standingRow()], settings: { ...settings, outOfBand: "remove" } },
      [],
    ],
    [
      "a tuple the portal created before (not standing) is not baselined on a new target",
      { targets: [observed(ALICE_PRESENT)], tuples: [standingRow(ALICE, false)], baselinedTargets: [] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    // --- baseline
    [
      "first look at a target: unexplained assignments become the baseline",
      { targets: [observed([...ALICE_PRESENT, { principalType: "GROUP", principalId: GROUP }])], baselinedTargets: [] },
      ["baseline:USER:alice", "baseline:GROUP:group"],
    ],
    [
      "first look: a grant's leftover is still lingering, not baseline",
      { targets: [observed(ALICE_PRESENT)], grants: [ended("g1")], baselinedTargets: [] },
      ["drift:LINGERING_ASSIGNMENT:unassign:g1:new"],
    ],
    [
      "first look: an active grant's assignment is not baselined",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "ACTIVE")], baselinedTargets: [] },
      [],
    ],
    [
      "first look, with remove policy: the baseline is never removed",
      { targets: [observed(ALICE_PRESENT)], baselinedTargets: [], settings: { ...settings, outOfBand: "remove" } },
      ["baseline:USER:alice"],
    ],
    // --- resolving
    [
      "an out-of-band assignment that disappeared resolves its finding",
      { targets: [observed([])], openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT")] },
      ["resolve:f1:assignment-gone"],
    ],
    [
      "an accepted (now standing) assignment resolves a leftover open finding",
      {
        targets: [observed(ALICE_PRESENT)],
        tuples: [standingRow()],
        openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT")],
      },
      ["resolve:f1:now-standing"],
    ],
    [
      "an out-of-band assignment later covered by an active grant resolves",
      {
        targets: [observed(ALICE_PRESENT)],
        grants: [grant("g1", "ACTIVE")],
        openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT")],
      },
      ["resolve:f1:now-held-by-grant"],
    ],
    [
      "a lingering assignment that was removed resolves",
      {
        targets: [observed([])],
        grants: [ended("g1")],
        openFindings: [finding("f1", "LINGERING_ASSIGNMENT", { grantId: "g1" })],
      },
      ["resolve:f1:assignment-gone"],
    ],
    [
      "a missing assignment that came back resolves",
      {
        targets: [observed(ALICE_PRESENT)],
        grants: [grant("g1", "ACTIVE")],
        openFindings: [finding("f1", "MISSING_ASSIGNMENT", { grantId: "g1" })],
      },
      ["resolve:f1:assignment-present"],
    ],
    [
      "a grant marked failed keeps its missing finding open while its window lasts",
      {
        targets: [observed([])],
        grants: [grant("g1", "FAILED", { createVerifiedAt: at(-100) })],
        openFindings: [finding("f1", "MISSING_ASSIGNMENT", { grantId: "g1" })],
      },
      [],
    ],
    [
      "… and resolves it once the window has ended",
      {
        targets: [observed([])],
        grants: [ended("g1", "FAILED", { createVerifiedAt: at(-100) })],
        openFindings: [finding("f1", "MISSING_ASSIGNMENT", { grantId: "g1" })],
      },
      ["resolve:f1:window-ended"],
    ],
    [
      "a missing finding whose grant no longer exists resolves",
      { targets: [observed([])], openFindings: [finding("f1", "MISSING_ASSIGNMENT", { grantId: "gone" })] },
      ["resolve:f1:window-ended"],
    ],
    [
      "a finding on an unsettled tuple waits",
      {
        targets: [observed([])],
        grants: [grant("g1", "PROVISIONING")],
        openFindings: [finding("f1", "MISSING_ASSIGNMENT", { grantId: "g1" })],
      },
      [],
    ],
    [
      "duplicate open findings for one tuple and kind: one repeats, the rest resolve",
      {
        targets: [observed(ALICE_PRESENT)],
        openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT"), finding("f2", "OUT_OF_BAND_ASSIGNMENT")],
      },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::f1", "resolve:f2:duplicate"],
    ],
    [
      "an out-of-band finding that became a grant's leftover is superseded",
      {
        targets: [observed(ALICE_PRESENT)],
        grants: [ended("g1")],
        openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT")],
      },
      ["drift:LINGERING_ASSIGNMENT:unassign:g1:new", "resolve:f1:superseded"],
    ],
    // --- what was not observed is not judged
    [
      "a target that could not be listed is left alone (never read as empty)",
      {
        targets: [observed([], { permissionSetArn: OTHER_PS })],
        grants: [grant("g1", "ACTIVE")],
        openFindings: [finding("f1", "OUT_OF_BAND_ASSIGNMENT")],
      },
      [],
    ],
    [
      "a grant without a resolved principal matches nothing",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "ACTIVE", { principalId: null })] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new"],
    ],
    [
      "another user's grant does not explain alice's assignment",
      { targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "ACTIVE", { principalId: BOB })] },
      ["drift:OUT_OF_BAND_ASSIGNMENT:none::new", "drift:MISSING_ASSIGNMENT:mark-failed:g1:new"],
    ],
  ])("%s", (_label, input, expected) => {
    expect(summary(plan(input).actions)).toEqual(expected);
  });

  it("records which targets were observed for the first time, listed or empty", () => {
    const result = plan({
      targets: [observed([]), observed([], { permissionSetArn: OTHER_PS })],
      baselinedTargets: [targetKey(target)],
    });
    expect(result.newlyBaselinedTargets).toEqual([{ accountId: ACCOUNT, permissionSetArn: OTHER_PS }]);
  });

  it("says why it left a tuple alone", () => {
    const result = plan({ targets: [observed(ALICE_PRESENT)], grants: [grant("g1", "REMOVING")] });
    expect(result.unsettled).toEqual([{ tuple: alice, reason: "operation-in-flight" }]);
  });

  it("a listed duplicate principal counts once", () => {
    expect(summary(plan({ targets: [observed([...ALICE_PRESENT, ...ALICE_PRESENT])] }).actions)).toEqual([
      "drift:OUT_OF_BAND_ASSIGNMENT:none::new",
    ]);
  });

  it("groups are reported with their type so a removal never targets a user", () => {
    const [action] = plan({ targets: [observed([{ principalType: "GROUP", principalId: GROUP }])] }).actions;
    expect(action).toMatchObject({ type: "drift", tuple: group });
  });

  it("never plans a removal of a standing or baseline tuple, whatever else is true", () => {
    const statuses: GrantStatus[] = [
      "SCHEDULED",
      "PROVISIONING",
      "ACTIVE",
      "FAILED",
      "REMOVING",
      "REMOVED",
      "REMOVAL_FAILED",
      "CANCELLED",
    ];
    for (const status of statuses) {
      for (const outOfBand of ["report", "remove"] as const) {
        const actions = plan({
          targets: [observed(ALICE_PRESENT)],
          tuples: [standingRow()],
          grants: [ended("g1", status, { createVerifiedAt: at(-100) })],
          settings: { ...settings, outOfBand },
        }).actions;
        expect(
          actions.filter((a) => a.type === "drift" && a.remedy === "unassign"),
          `${status} ${outOfBand}`,
        ).toEqual([]);
      }
    }
  });
});

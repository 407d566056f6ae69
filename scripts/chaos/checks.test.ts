import { describe, expect, it } from "vitest";
import type { AssignmentOperation, AssignmentRecord } from "../../lib/simulator/state";
import { portalStatement } from "../../lib/domain/session-revocation";
import {
  busiestWindow,
  leakedAssignments,
  leftoverPortalStatements,
  lostCustomerStatements,
  unrevokedGrants,
  type RevocationRow,
  lostOperations,
  operationAccounting,
  standingViolations,
  unauditedGrants,
  type AuditRow,
  type GrantRow,
} from "./checks";

// The chaos harness is only as good as its checks: each must catch the failure it names.

const tuple = { accountId: "210987654321", permissionSetArn: "arn:ps", principalId: "user-1" };
const standing = { accountId: "870654321987", permissionSetArn: "arn:admin", principalId: "dave" };

function grant(fields: Partial<GrantRow> = {}): GrantRow {
  return {
    id: "g1",
    status: "REMOVED",
    ...tuple,
    startsAt: new Date(0),
    endsAt: new Date(10_000),
    createRequestId: "c1",
    deleteRequestId: "d1",
    createVerifiedAt: new Date(1_000),
    deleteVerifiedAt: new Date(11_000),
    keptForOtherGrant: false,
    ...fields,
  };
}
const assignment = (t: typeof tuple, origin: AssignmentRecord["origin"] = "api"): AssignmentRecord => ({
  ...t,
  principalType: "USER",
  origin,
  createdAtMs: 0,
});
const op = (fields: Partial<AssignmentOperation>): AssignmentOperation => ({
  ...tuple,
  principalType: "USER",
  requestId: "c1",
  kind: "create",
  status: "SUCCEEDED",
  createdAtMs: 1_000,
  completesAtMs: 1_500,
  ...fields,
});
const audit = (action: string, before?: string, after?: string, extra: Record<string, unknown> = {}): AuditRow => ({
  entityId: "g1",
  action,
  before: before ? { status: before } : null,
  after: after || Object.keys(extra).length ? { ...(after ? { status: after } : {}), ...extra } : null,
});

describe("chaos checks", () => {
  it("an assignment left on a tuple whose grants all ended is a leak; a standing one or one an active grant holds is not", () => {
    expect(leakedAssignments({ assignments: [assignment(tuple)], grants: [grant()], standing: [] })).toHaveLength(1);
    expect(
      leakedAssignments({ assignments: [assignment(tuple)], grants: [grant({ status: "ACTIVE" })], standing: [] }),
    ).toHaveLength(0);
    expect(
      leakedAssignments({
        assignments: [assignment({ ...standing })],
        grants: [grant({ ...standing })],
        standing: [standing],
      }),
    ).toHaveLength(0);
  });

  it("a standing assignment deleted at any point counts, even if something created it again", () => {
    expect(
      standingViolations({ assignments: [assignment({ ...standing }, "seed")], operations: [], standing: [standing] }),
    ).toBe(0);
    expect(
      standingViolations({
        assignments: [assignment({ ...standing }, "api")],
        operations: [op({ ...standing, kind: "delete", requestId: "d9" })],
        standing: [standing],
      }),
    ).toBe(1);
    expect(standingViolations({ assignments: [], operations: [], standing: [standing] })).toBe(1);
  });

  it("every status change of a grant must be audited, in order, up to its current status", () => {
    const full = [
      audit("grant.provisioning", "SCHEDULED", "PROVISIONING"),
      audit("grant.activated", "PROVISIONING", "ACTIVE"),
      audit("grant.removing", "ACTIVE", "REMOVING"),
      audit("grant.removed", "REMOVING", "REMOVED"),
    ];
    expect(unauditedGrants([grant()], full)).toHaveLength(0);
    expect(
      unauditedGrants(
        [grant()],
        full.filter((row) => row.action !== "grant.removing"),
      ),
    ).toHaveLength(1);
    expect(unauditedGrants([grant({ status: "ACTIVE" })], full)).toHaveLength(1);
  });

  it("a grant activated or removed on an operation AWS did not complete is a lost operation", () => {
    expect(
      lostOperations({ grants: [grant()], operations: [op({}), op({ requestId: "d1", kind: "delete" })] }),
    ).toHaveLength(0);
    expect(
      lostOperations({
        grants: [grant()],
        operations: [op({ status: "FAILED" }), op({ requestId: "d1", kind: "delete" })],
      }),
    ).toHaveLength(1);
    expect(lostOperations({ grants: [grant()], operations: [op({})] })).toHaveLength(1);
  });

  it("an operation issued twice for one grant is doubled; one left unrecorded by a worker killed right after issuing it is an orphan", () => {
    const issued = (id: string) => audit("grant.create_issued", undefined, undefined, { awsRequestId: id });
    const twice = operationAccounting({
      audit: [issued("c1"), issued("c2")],
      operations: [op({}), op({ requestId: "c2" })],
      workerEvents: [],
      outages: [],
    });
    expect(twice.doubled).toBe(1);
    const orphan = operationAccounting({
      audit: [issued("c2")],
      operations: [op({ requestId: "c1", createdAtMs: 1_000 }), op({ requestId: "c2", createdAtMs: 5_000 })],
      workerEvents: [{ atMs: 1_050, worker: 0, type: "sigkill" }],
      outages: [],
    });
    expect(orphan).toMatchObject({ orphans: 1, doubled: 0 });
    const unexplained = operationAccounting({
      audit: [issued("c2")],
      operations: [op({ requestId: "c1", createdAtMs: 1_000 }), op({ requestId: "c2", createdAtMs: 5_000 })],
      workerEvents: [{ atMs: 60_000, worker: 0, type: "sigkill" }],
      outages: [],
    });
    expect(unexplained.doubled).toBe(1);
    const retried = operationAccounting({
      audit: [
        audit("grant.delete_issued", undefined, undefined, { awsRequestId: "d1" }),
        audit("grant.removal_retried", "REMOVAL_FAILED", "REMOVING"),
        audit("grant.delete_issued", undefined, undefined, { awsRequestId: "d2" }),
      ],
      operations: [],
      workerEvents: [],
      outages: [],
    });
    expect(retried.doubled).toBe(0);
  });

  it("finds the busiest window by arrival time", () => {
    expect(busiestWindow([0, 100, 200, 1_500, 1_600], 1_000)).toBe(3);
    expect(busiestWindow([], 1_000)).toBe(0);
  });
});

describe("session denies", () => {
  const user = "b0b0b0b0-1111-2222-3333-444444444444";
  const cutoff = new Date("2030-01-01T00:01:00Z");
  const deny = JSON.stringify(portalStatement({ identityStoreUserId: user, accountId: tuple.accountId, cutoff }));
  const customer = `{"Sid":"CustomerRead","Effect":"Allow","Action":"s3:Get*","Resource":"*"}`;
  const policy = (...statements: string[]) => `{"Version":"2012-10-17","Statement":[${statements.join(",")}]}`;
  const revocation = (fields: Partial<RevocationRow> = {}): RevocationRow => ({
    grantId: "g1",
    identityStoreUserId: user,
    permissionSetArn: tuple.permissionSetArn,
    accountId: tuple.accountId,
    cutoff,
    status: "VERIFIED",
    ...fields,
  });
  const copy = (inlinePolicy: string) => [
    { permissionSetArn: tuple.permissionSetArn, accountId: tuple.accountId, inlinePolicy },
  ];

  it.each<[string, Parameters<typeof unrevokedGrants>[0], number]>([
    [
      "denied in the account's copy",
      { grants: [grant()], revocations: [revocation()], provisioned: copy(policy(deny)) },
      0,
    ],
    ["no revocation at all", { grants: [grant()], revocations: [], provisioned: copy(policy()) }, 1],
    ["revocation FAILED", { grants: [grant()], revocations: [revocation({ status: "FAILED" })], provisioned: [] }, 1],
    [
      "verified but missing from the copy",
      { grants: [grant()], revocations: [revocation()], provisioned: copy(policy(customer)) },
      1,
    ],
    [
      "role gone from the account: nothing to deny",
      { grants: [grant()], revocations: [revocation()], provisioned: [] },
      0,
    ],
    [
      "kept for another grant: no deny owed",
      { grants: [grant({ keptForOtherGrant: true })], revocations: [], provisioned: [] },
      0,
    ],
    [
      "a grant ending in the same second as another of its tuple: their shared deny row counts",
      {
        grants: [grant({ id: "g2", principalId: user })],
        revocations: [revocation({ grantId: "g1" })],
        provisioned: copy(policy(deny)),
      },
      0,
    ],
    [
      "another grant's deny row with an earlier cutoff does not count",
      {
        grants: [grant({ id: "g2", principalId: user, endsAt: new Date("2030-01-01T00:05:00Z") })],
        revocations: [revocation({ grantId: "g1" })],
        provisioned: copy(policy(deny)),
      },
      1,
    ],
    [
      "the account's copy holds the user's deny for another account only",
      {
        grants: [grant()],
        revocations: [revocation()],
        provisioned: copy(
          policy(JSON.stringify(portalStatement({ identityStoreUserId: user, accountId: "999999999999", cutoff }))),
        ),
      },
      1,
    ],
    [
      "cleaned after the sessions expired",
      { grants: [grant()], revocations: [revocation({ status: "CLEANED" })], provisioned: copy(policy()) },
      0,
    ],
  ])("%s", (_name, evidence, expected) => {
    expect(unrevokedGrants(evidence)).toHaveLength(expected);
  });

  it("finds a customer statement lost or reformatted, and portal statements left after cleanup", () => {
    const inlinePolicies = [
      { permissionSetArn: "a", inlinePolicy: policy(customer, deny) },
      { permissionSetArn: "b", inlinePolicy: policy(customer.replace(":", ": ")) },
      { permissionSetArn: "c" },
    ];
    expect(lostCustomerStatements({ inlinePolicies, customerStatement: customer })).toEqual(["b", "c"]);
    expect(leftoverPortalStatements({ inlinePolicies }).map((left) => left.permissionSetArn)).toEqual(["a"]);
  });
});

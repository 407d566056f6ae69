import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedPermissionSet, seedUser } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { activateGrant } from "../grants/activate-grant";
import { createRequest } from "../requests/create-request";
import type { UserActor } from "../context";
import { reconcileAssignments } from "./reconcile-assignments";

// Incremental cycles: a pair listed recently and untouched by the portal is skipped until its sweep comes round.

const paymentsProd = seedAccount("payments-prod")!;
const sandbox = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;
const powerUser = seedPermissionSet("PowerUser")!;
const aliceId = seedUser("alice").userId;
const erinId = seedUser("erin").userId;
const SWEEP_MINUTES = 30;

const POLICY = `
version: 1
rules:
  - id: payments
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly, PowerUser]
    maxDurationMinutes: 240
    approval: { auto: true }
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandbox.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 240
    approval: { auto: true }
`;

let harness: ServiceHarness;

const reconcile = () =>
  reconcileAssignments({
    ctx: harness.system(),
    deps: {
      port: harness.port,
      queue: harness.queue,
      settings: { missing: "mark", outOfBand: "report", sweepEveryMs: SWEEP_MINUTES * 60_000 },
    },
  });

// Time passing, for the listings and the grants alike, so their order (and the grace between them) is kept.
async function minutesPass(minutes: number) {
  await harness.db.prisma
    .$executeRaw`UPDATE "ReconcileListing" SET "listedAt" = "listedAt" - make_interval(mins => ${minutes})`;
  await harness.db.prisma.$executeRaw`UPDATE "Grant" SET "updatedAt" = "updatedAt" - make_interval(mins => ${minutes})`;
  await harness.db.prisma
    .$executeRaw`UPDATE "AssignmentTuple" SET "updatedAt" = "updatedAt" - make_interval(mins => ${minutes})`;
}

const userAssignment = (accountId: string, permissionSetArn: string, principalId: string) => ({
  accountId,
  permissionSetArn,
  principalType: "USER" as const,
  principalId,
});

async function activeGrant(user: UserActor, target: { accountId: string; permissionSetArn: string }) {
  const created = await createRequest({
    ctx: harness.ctxFor(user),
    queue: harness.queue,
    input: { targets: [target], durationMinutes: 60, startMode: "now", justification: "Incremental reconcile test" },
  });
  const grant = await harness.db.prisma.grant.findFirstOrThrow({ where: { requestId: created.requestId } });
  expect(await activateGrant({ ctx: harness.system(), input: { grantId: grant.id }, deps: harness.deps })).toBe(
    "activated",
  );
  return grant.id;
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: POLICY, systemJob: "test-reconcile-incremental" });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe("incremental reconciliation", () => {
  it("lists every pair once, then only what changed; out-of-band drift on an untouched pair is found within the sweep", async () => {
    // Already there before the portal: recorded as the baseline, which is no reason to list the pair again.
    harness.sim.seedAssignment(userAssignment(paymentsProd.id, readOnly.arn, aliceId));
    const first = await reconcile();
    expect(first).toMatchObject({
      targets: 3,
      skippedPairs: 0,
      listReasons: { "never-listed": 3 },
      baselined: 1,
      errors: 0,
    });
    expect(first.calls).toBeGreaterThan(0);
    await minutesPass(5);
    const quiet = await reconcile();
    expect(quiet).toMatchObject({ targets: 0, skippedPairs: 3, calls: 0, callBound: 0 });

    // Made in Identity Center directly: nothing in the portal's database says this pair changed.
    harness.sim.seedAssignment(userAssignment(sandbox.id, readOnly.arn, erinId));
    await minutesPass(SWEEP_MINUTES - 6);
    expect(await reconcile()).toMatchObject({ calls: 0, newFindings: 0 });
    expect(await harness.db.prisma.driftFinding.count()).toBe(0);

    await minutesPass(1);
    const sweep = await reconcile();
    expect(sweep).toMatchObject({ targets: 3, listReasons: { sweep: 3 }, newFindings: 1 });
    expect(
      await harness.db.prisma.driftFinding.findMany({
        where: { status: "OPEN" },
        select: { kind: true, principalId: true },
      }),
    ).toEqual([{ kind: "OUT_OF_BAND_ASSIGNMENT", principalId: erinId }]);

    // A pair with an open finding is listed every cycle, so the finding repeats or resolves without waiting.
    await minutesPass(5);
    expect(await reconcile()).toMatchObject({ targets: 1, skippedPairs: 2, listReasons: { unsettled: 1 } });
  });

  it("a portal write makes its pair be listed at the next cycle, and only that pair", async () => {
    const grantId = await activeGrant(harness.users.alice!, {
      accountId: paymentsProd.id,
      permissionSetArn: powerUser.arn,
    });
    // After the write, the assignment is deleted out of band, and an untouched pair drifts too.
    harness.sim.removeAssignment(userAssignment(paymentsProd.id, powerUser.arn, aliceId));
    harness.sim.seedAssignment(userAssignment(paymentsProd.id, readOnly.arn, erinId));
    await minutesPass(5);

    const next = await reconcile();
    expect(next).toMatchObject({ listReasons: { "portal-write": 1, unsettled: 1 }, skippedPairs: 1 });
    expect(next).toMatchObject({ newFindings: 1, marked: 1 });
    expect(await harness.db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({
      status: "FAILED",
    });
    expect(
      await harness.db.prisma.driftFinding.count({
        where: { accountId: paymentsProd.id, permissionSetArn: readOnly.arn },
      }),
    ).toBe(0);

    await minutesPass(SWEEP_MINUTES);
    await reconcile();
    expect(
      await harness.db.prisma.driftFinding.count({
        where: { accountId: paymentsProd.id, permissionSetArn: readOnly.arn, principalId: erinId, status: "OPEN" },
      }),
    ).toBe(1);
  });
});

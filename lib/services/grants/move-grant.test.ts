import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedPermissionSet } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { emitAudit } from "../audit";
import { createRequest } from "../requests/create-request";
import { moveGrant } from "./grant-transitions";

let harness: ServiceHarness;
const sandboxAlice = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;

beforeAll(async () => {
  harness = await startServiceHarness({
    policyYaml: `
version: 1
rules:
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandboxAlice.id}"] }
    permissionSets: ["*"]
    maxDurationMinutes: 480
    approval: { auto: true }
`,
    systemJob: "test-worker",
  });
});

afterAll(async () => {
  await harness?.stop();
});

async function scheduledGrant() {
  const { requestId } = await createRequest({
    ctx: harness.ctxFor(harness.users.alice!),
    queue: harness.queue,
    input: {
      targets: [{ accountId: sandboxAlice.id, permissionSetArn: readOnly.arn }],
      durationMinutes: 60,
      startMode: "now",
      justification: "Checking the sandbox configuration",
    },
  });
  return harness.db.prisma.grant.findFirstOrThrow({ where: { requestId } });
}

const auditRows = (grantId: string) =>
  harness.db.prisma.auditEvent.findMany({ where: { entityId: grantId }, orderBy: { seq: "asc" } });

function move(
  grant: { id: string; requestId: string },
  from: "SCHEDULED" | "CANCELLED",
  event: "cancel" | "start-provisioning" | "start-removal",
) {
  const now = new Date();
  const actor = harness.system().actor;
  return harness.db.prisma.$transaction((tx) =>
    moveGrant(tx, actor, grant, from, { event, action: `grant.test_${event}`, reason: "test" }, now),
  );
}

describe("moveGrant", () => {
  it("writes the status the table gives, one version up, with its audit row and the request's follow-up", async () => {
    const grant = await scheduledGrant();
    expect(await move(grant, "SCHEDULED", "cancel")).toBe(true);
    const after = await harness.db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } });
    expect(after).toMatchObject({ status: "CANCELLED", version: grant.version + 1 });
    const rows = await auditRows(grant.id);
    expect(rows.map((r) => [r.action, r.before, r.after, r.reason])).toEqual([
      ["grant.test_cancel", { status: "SCHEDULED" }, { status: "CANCELLED" }, "test"],
    ]);
    // Its only grant ended unstarted: the request completes (table event "complete" from APPROVED).
    const request = await harness.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: grant.requestId } });
    expect(request.status).toBe("COMPLETED");
  });

  it("changes nothing when the grant moved on since it was read (compare-and-set on the status read)", async () => {
    const grant = await scheduledGrant();
    await move(grant, "SCHEDULED", "cancel");
    const before = await auditRows(grant.id);
    // A second worker still holding the SCHEDULED read.
    expect(await move(grant, "SCHEDULED", "start-provisioning")).toBe(false);
    expect(await harness.db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "CANCELLED",
      version: grant.version + 1,
    });
    expect(await auditRows(grant.id)).toHaveLength(before.length);
  });

  it("refuses a move the table does not allow from the status read, writing nothing", async () => {
    const grant = await scheduledGrant();
    await move(grant, "SCHEDULED", "cancel");
    const before = await auditRows(grant.id);
    await expect(move(grant, "CANCELLED", "start-removal")).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    expect((await harness.db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("CANCELLED");
    expect(await auditRows(grant.id)).toHaveLength(before.length);
  });
});

describe("lock order", () => {
  it("a grant move never deadlocks with a transaction that audited first and then touches the same grant", async () => {
    const grant = await scheduledGrant();
    const actor = harness.system().actor;
    let audited!: () => void;
    const auditTaken = new Promise<void>((resolve) => (audited = resolve));
    // The shape of a verb (or another job) that audits first and then writes the same grant row.
    const auditsFirst = harness.db.prisma.$transaction(
      async (tx) => {
        await emitAudit(tx, actor, { action: "test.audit_first", entityType: "grant", entityId: grant.id });
        audited();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.grant.update({ where: { id: grant.id }, data: { attempts: { increment: 1 } } });
      },
      { timeout: 10_000 },
    );
    await auditTaken;
    // Started while the other holds the chain lock: it must wait for the chain before it locks the grant row.
    const moving = move(grant, "SCHEDULED", "start-provisioning");
    const results = await Promise.allSettled([auditsFirst, moving]);
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))).toEqual(["ok", "ok"]);
    expect((await harness.db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("PROVISIONING");
  });
});

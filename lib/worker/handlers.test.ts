import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityCenterPort } from "../aws/identity-center-port";
import { createBossJobQueue } from "../jobs/job-queue";
import { QUEUES } from "../jobs/queues";
import { createLogger } from "../log";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { startBoss } from "./boss";
import { registerHandlers } from "./handlers";

// Removal jobs fetched as a batch run side by side and are settled one by one: a retry hands back only its own job.

let db: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  db = await createTestDatabase();
  boss = await startBoss({ databaseUrl: db.url, role: "worker" });
}, 60_000);

afterAll(async () => {
  await boss?.stop({ graceful: false });
  await db?.drop();
});

/** A grant still being created whose window has closed: its removal job must wait (RetryLater). */
async function provisioningGrant() {
  const user = await db.prisma.user.create({ data: { email: `batch-${Date.now()}@example.com` } });
  const now = Date.now();
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: user.id,
      status: "ACTIVE",
      justification: "batch test",
      durationMinutes: 60,
      startsAt: new Date(now - 60_000),
      endsAt: new Date(now - 1000),
      requiredApprovals: 0,
    },
  });
  const tuple = {
    accountId: "111111111111",
    permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000000",
  };
  const target = await db.prisma.requestTarget.create({ data: { requestId: request.id, ...tuple } });
  return db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: target.id,
      userId: user.id,
      ...tuple,
      principalId: "9067668d9d-521fd823-c07c-4ed1-8c8f-c3e223c44a28",
      status: "PROVISIONING",
      startsAt: new Date(now - 60_000),
      endsAt: new Date(now - 1000),
    },
  });
}

describe("removal jobs in batches", () => {
  it("runs a fetched batch side by side and settles each job on its own: done, dropped, retried", async () => {
    const waiting = await provisioningGrant();
    const port = {} as IdentityCenterPort;
    const queue = createBossJobQueue(boss);
    await registerHandlers(
      {
        db: db.prisma,
        boss,
        queue,
        port,
        logger: createLogger({ level: "silent", secrets: [] }),
        grantDeps: { port, queue, poll: { initialDelayMs: 10, maxDelayMs: 50, timeoutMs: 1000 } },
      },
      { grants: 1, removals: { workers: 1, batch: 10 } },
    );
    // One statement: the single removal worker fetches all three in one batch.
    const [gone, invalid, retried] = [randomUUID(), randomUUID(), randomUUID()];
    await boss.insert(QUEUES.deactivateGrant, [
      { id: gone, data: { grantId: "no-such-grant" } },
      { id: invalid, data: { wrong: "payload" } },
      { id: retried, data: { grantId: waiting.id }, retryLimit: 3, retryDelay: 60 },
    ]);
    let jobs: Awaited<ReturnType<PgBoss["findJobs"]>> = [];
    for (let i = 0; i < 100; i++) {
      jobs = await boss.findJobs(QUEUES.deactivateGrant);
      if (jobs.length === 3 && jobs.every((job) => job.state !== "created" && job.state !== "active")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const byId = new Map(jobs.map((job) => [job.id, job]));
    expect(byId.get(gone)?.state).toBe("completed");
    expect(byId.get(invalid)?.state).toBe("completed");
    // Only the grant still being created goes back to the queue, with its own retry count.
    expect(byId.get(retried)).toMatchObject({ state: "retry" });
    expect(byId.get(retried)?.output).toMatchObject({ type: "RetryLater" });
    // Fetched together: one batch, one start.
    expect(new Set(jobs.map((job) => job.startedOn?.getTime())).size).toBe(1);
  }, 30_000);
});

import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processEnvironment } from "../lib/env";
import { emitAudit } from "../lib/services/audit";
import { systemActor } from "../lib/services/context";
import { createTestDatabase, type TestDatabase } from "../lib/testing/test-database";

let db: TestDatabase;

// Runs `npm run audit:verify` the way an operator or a cron job would, against the test database.
function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/audit-verify.ts", ...args],
      { env: { ...processEnvironment(), DATABASE_URL: db.url }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  for (let i = 0; i < 4; i++)
    await db.prisma.$transaction((tx) =>
      emitAudit(tx, systemActor("sweep"), { action: `sweep.${i}`, entityType: "sweep", entityId: String(i) }),
    );
});
afterAll(async () => {
  await db?.drop();
});

describe("npm run audit:verify", { timeout: 90_000 }, () => {
  it("reports an intact chain and prints the anchor line, then accepts that anchor", async () => {
    const head = await db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    const intact = await verify();
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain("Audit chain intact: 4 events verified");
    expect(intact.stdout).toContain(`Latest hash (seq ${head.seq}): ${head.hash}`);
    const anchored = await verify("--anchor", `Latest hash (seq ${head.seq}): ${head.hash}`);
    expect(anchored.code).toBe(0);
    expect(anchored.stdout).toContain(`Anchor at seq ${head.seq} matches`);
  });

  it("exits 3 when the anchored event carries another hash", async () => {
    const head = await db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    const result = await verify("--anchor", `${head.seq} ${"0f".repeat(32)}`);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("does NOT match");
  });

  it("exits 2 and names the first broken event after one byte changed", async () => {
    const target = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: "sweep.2" } });
    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" DISABLE TRIGGER USER`);
      await tx.$executeRawUnsafe(`UPDATE "AuditEvent" SET "entityId" = '3' WHERE id = '${target.id}'`);
      await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" ENABLE TRIGGER USER`);
    });
    const result = await verify();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Audit chain BROKEN after 2 intact events: event seq ${target.seq} (id ${target.id})`,
    );
    expect(result.stderr).toContain("altered");
  });
});

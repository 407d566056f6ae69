import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { emitAudit } from "../services/audit";
import { systemActor, type Actor } from "../services/context";
import { canonicalJson } from "./chain";
import { verifyAuditChain } from "./verify-chain";

let db: TestDatabase;
const alice: Actor = { type: "user", userId: "u-alice", email: "alice@example.com", name: "Alice", roles: ["REQUESTER"], groups: ["engineering"], identityStoreUserId: null, ip: "10.0.0.1", userAgent: "test" };

async function write(actor: Actor, action: string, after: unknown = { n: 1 }) {
  return db.prisma.$transaction((tx) => emitAudit(tx, actor, { action, entityType: "request", entityId: "r1", after }));
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("canonicalJson", () => {
  it("does not depend on key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
  });
  it("distinguishes values that naive concatenation would merge", () => {
    expect(canonicalJson(["ab", "c"])).not.toBe(canonicalJson(["a", "bc"]));
  });
});

describe("audit chain", () => {
  it("links each event to the previous one and verifies as intact", async () => {
    await write(alice, "request.created", { targets: [{ account: "1", ps: "ReadOnly" }], "weird key": "é\u0000" });
    await write(systemActor("grant-worker"), "grant.activated");
    const report = await verifyAuditChain(db.prisma);
    expect(report.intact).toBe(true);
    expect(report.events).toBe(2);
  });

  it("refuses UPDATE, DELETE and TRUNCATE whatever the application does", async () => {
    await expect(db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET reason = 'edited'`)).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    expect(await db.prisma.auditEvent.count()).toBe(2);
  });

  it("keeps one unbroken chain under concurrent writers", async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => write(alice, `concurrent.${i}`, { i })));
    const report = await verifyAuditChain(db.prisma, 7);
    expect(report).toMatchObject({ intact: true, events: 42 });
    const hashes = await db.prisma.auditEvent.findMany({ select: { prevHash: true } });
    expect(new Set(hashes.map((h) => h.prevHash)).size).toBe(hashes.length);
  });

  it("detects and locates one altered byte, as an attacker with the trigger disabled would do it", async () => {
    const target = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: "concurrent.7" } });
    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" DISABLE TRIGGER audit_event_no_update_or_delete`);
      await tx.$executeRawUnsafe(`UPDATE "AuditEvent" SET after = '{"i": 8}' WHERE id = '${target.id}'`);
      await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" ENABLE TRIGGER audit_event_no_update_or_delete`);
    });
    const report = await verifyAuditChain(db.prisma, 5);
    expect(report.intact).toBe(false);
    if (!report.intact) expect(report.problem).toMatchObject({ kind: "altered", id: target.id });
  });

  it("detects a removed event and names where the chain breaks", async () => {
    const fresh = await createTestDatabase();
    try {
      for (let i = 0; i < 5; i++) await fresh.prisma.$transaction((tx) => emitAudit(tx, alice, { action: `a.${i}`, entityType: "x", entityId: String(i) }));
      const events = await fresh.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
      await fresh.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" DISABLE TRIGGER audit_event_no_update_or_delete`);
        await tx.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE id = '${events[2]!.id}'`);
        await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" ENABLE TRIGGER audit_event_no_update_or_delete`);
      });
      const report = await verifyAuditChain(fresh.prisma);
      expect(report.intact).toBe(false);
      if (!report.intact) expect(report.problem).toMatchObject({ kind: "removed-or-reordered", id: events[3]!.id });
    } finally {
      await fresh.drop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../db";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { emitAudit } from "../services/audit";
import { systemActor, type Actor } from "../services/context";
import { compareAnchor, latestAnchor } from "./anchor";
import { canonicalJson, chainHash, GENESIS_HASH } from "./chain";
import { verifyAuditChain } from "./verify-chain";

let db: TestDatabase;
const alice: Actor = {
  type: "user",
  userId: "u-alice",
  email: "alice@example.com",
  name: "Alice",
  roles: ["REQUESTER"],
  groups: ["engineering"],
  identityStoreUserId: null,
  ip: "10.0.0.1",
  userAgent: "test",
};

async function write(client: PrismaClient, actor: Actor, action: string, after: unknown = { n: 1 }) {
  // Every writer queues on the chain lock while holding a pooled connection: on a loaded machine the last of 50 waits
  // longer than Prisma's default 2 s for a connection. Integrity is under test here, not latency.
  return client.$transaction(
    (tx) =>
      emitAudit(tx, actor, { action, entityType: "request", entityId: "r1", after, reason: "Rotate the payment keys" }),
    { maxWait: 60_000, timeout: 60_000 },
  );
}

/** What an attacker with superuser rights does: switch the append-only triggers off around their own statements. */
async function asSuperuser(client: PrismaClient, ...statements: string[]) {
  await client.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" DISABLE TRIGGER USER`);
    for (const sql of statements) await tx.$executeRawUnsafe(sql);
    await tx.$executeRawUnsafe(`ALTER TABLE "AuditEvent" ENABLE TRIGGER USER`);
  });
}

/** A database of its own holding a short, valid chain, so each tampering case starts clean. */
async function withLog(
  count: number,
  body: (fresh: TestDatabase, events: { seq: bigint; id: string; hash: string }[]) => Promise<void>,
) {
  const fresh = await createTestDatabase();
  try {
    for (let i = 0; i < count; i++)
      await write(fresh.prisma, i % 2 ? systemActor("grant-activate") : alice, `a.${i}`, { i, note: "payments-prod" });
    const events = await fresh.prisma.auditEvent.findMany({
      orderBy: { seq: "asc" },
      select: { seq: true, id: true, hash: true },
    });
    await body(fresh, events);
  } finally {
    await fresh.drop();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("canonicalJson", () => {
  it("does not depend on key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
  });
  it("distinguishes values that naive concatenation would merge", () => {
    expect(canonicalJson(["ab", "c"])).not.toBe(canonicalJson(["a", "bc"]));
  });
});

describe("audit chain", () => {
  it("links each event to the previous one and verifies as intact", async () => {
    await write(db.prisma, alice, "request.created", {
      targets: [{ account: "1", ps: "ReadOnly" }],
      "weird key": "é\u0000",
    });
    await write(db.prisma, systemActor("grant-worker"), "grant.activated");
    const report = await verifyAuditChain(db.prisma);
    expect(report.intact).toBe(true);
    expect(report.events).toBe(2);
    const [first, second] = await db.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(second!.prevHash).toBe(first!.hash);
  });

  it("refuses UPDATE, DELETE and TRUNCATE whatever the application does", async () => {
    await expect(db.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET reason = 'edited'`)).rejects.toThrow(
      /append-only: UPDATE/,
    );
    await expect(db.prisma.$executeRawUnsafe(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only: DELETE/);
    await expect(db.prisma.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only: TRUNCATE/);
    await expect(db.prisma.auditEvent.updateMany({ data: { reason: "edited" } })).rejects.toThrow(/append-only/);
    await expect(db.prisma.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
    expect(await db.prisma.auditEvent.count()).toBe(2);
    expect(await db.prisma.auditEvent.count({ where: { reason: "edited" } })).toBe(0);
  });

  it("keeps one unbroken chain under concurrent writers", async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => write(db.prisma, alice, `concurrent.${i}`, { i })));
    const report = await verifyAuditChain(db.prisma, 7);
    expect(report).toMatchObject({ intact: true, events: 42 });
    const hashes = await db.prisma.auditEvent.findMany({ select: { prevHash: true } });
    expect(new Set(hashes.map((h) => h.prevHash)).size).toBe(hashes.length);
  });

  it("keeps one chain when writers use separate connection pools, as the web app and the worker do", async () => {
    const web = createPrismaClient(db.url);
    const worker = createPrismaClient(db.url);
    try {
      await Promise.all([
        ...Array.from({ length: 25 }, (_, i) => write(web, alice, `web.${i}`, { i })),
        ...Array.from({ length: 25 }, (_, i) => write(worker, systemActor("grant-activate"), `worker.${i}`, { i })),
      ]);
    } finally {
      await Promise.all([web.$disconnect(), worker.$disconnect()]);
    }
    const report = await verifyAuditChain(db.prisma, 9);
    expect(report).toMatchObject({ intact: true, events: 92 });
    const events = await db.prisma.auditEvent.findMany({ select: { prevHash: true } });
    expect(new Set(events.map((e) => e.prevHash)).size).toBe(events.length);
  });
});

describe("tampering with the trigger disabled", () => {
  // Each case changes one byte (or one millisecond) of event #4 of six; verification must stop exactly there.
  const cases: [string, string, "altered" | "removed-or-reordered"][] = [
    ["a byte of the JSON payload", `after = jsonb_set(after, '{note}', '"payments-prot"')`, "altered"],
    ["a byte of the reason", `reason = overlay(reason placing 'r' from 1 for 1)`, "altered"],
    ["a byte of the actor", `"actorLabel" = overlay("actorLabel" placing 'S' from 1 for 1)`, "altered"],
    ["the timestamp by one millisecond", `"occurredAt" = "occurredAt" + interval '1 millisecond'`, "altered"],
    ["the action", `action = 'a.9'`, "altered"],
    [
      "a hex digit of the stored hash",
      `hash = overlay(hash placing (CASE WHEN left(hash, 1) = 'a' THEN 'b' ELSE 'a' END) from 1 for 1)`,
      "altered",
    ],
    [
      "a hex digit of the previous hash",
      `"prevHash" = overlay("prevHash" placing (CASE WHEN left("prevHash", 1) = 'a' THEN 'b' ELSE 'a' END) from 1 for 1)`,
      "removed-or-reordered",
    ],
  ];
  for (const [what, assignment, kind] of cases) {
    it(`detects and locates ${what}`, async () => {
      await withLog(6, async (fresh, events) => {
        const target = events[3]!;
        await asSuperuser(fresh.prisma, `UPDATE "AuditEvent" SET ${assignment} WHERE id = '${target.id}'`);
        const report = await verifyAuditChain(fresh.prisma, 2);
        expect(report.intact).toBe(false);
        if (!report.intact) {
          expect(report.problem).toMatchObject({ kind, id: target.id, seq: target.seq });
          expect(report.events).toBe(3);
        }
      });
    });
  }

  it("detects a removed event and names where the chain breaks", async () => {
    await withLog(5, async (fresh, events) => {
      await asSuperuser(fresh.prisma, `DELETE FROM "AuditEvent" WHERE id = '${events[2]!.id}'`);
      const report = await verifyAuditChain(fresh.prisma);
      expect(report.intact).toBe(false);
      if (!report.intact) expect(report.problem).toMatchObject({ kind: "removed-or-reordered", id: events[3]!.id });
    });
  });

  it("detects two events swapped in order", async () => {
    await withLog(5, async (fresh, events) => {
      const [b, c] = [events[1]!, events[2]!];
      await asSuperuser(
        fresh.prisma,
        `UPDATE "AuditEvent" SET seq = -1 WHERE id = '${b.id}'`,
        `UPDATE "AuditEvent" SET seq = ${b.seq} WHERE id = '${c.id}'`,
        `UPDATE "AuditEvent" SET seq = ${c.seq} WHERE id = '${b.id}'`,
      );
      const report = await verifyAuditChain(fresh.prisma);
      expect(report.intact).toBe(false);
      if (!report.intact) expect(report.problem).toMatchObject({ kind: "removed-or-reordered", id: c.id, seq: b.seq });
    });
  });

  it("detects the last event removed, and a whole-table rewrite, only through an external anchor", async () => {
    await withLog(5, async (fresh, events) => {
      const anchor = (await latestAnchor(fresh.prisma))!;
      expect(anchor).toEqual({ seq: events[4]!.seq, hash: events[4]!.hash });
      expect(await compareAnchor(fresh.prisma, anchor)).toMatchObject({ status: "match" });

      // Rewrite event #2 and recompute every hash after it: the chain alone verifies again.
      const stored = await fresh.prisma.auditEvent.findMany({ orderBy: { seq: "asc" } });
      stored[1]!.reason = "Nothing to see here";
      let prev = stored[0]!.hash;
      const updates = stored.slice(1).map((event) => {
        const hash = chainHash(prev, event);
        const sql = `UPDATE "AuditEvent" SET reason = '${event.reason}', "prevHash" = '${prev}', hash = '${hash}' WHERE id = '${event.id}'`;
        prev = hash;
        return sql;
      });
      await asSuperuser(fresh.prisma, ...updates);
      expect(await verifyAuditChain(fresh.prisma)).toMatchObject({ intact: true, events: 5 });
      expect(await compareAnchor(fresh.prisma, anchor)).toMatchObject({
        status: "mismatch",
        expected: anchor.hash,
        actual: prev,
      });

      // Dropping the newest events leaves a valid, shorter chain; the anchored event is missing.
      await asSuperuser(fresh.prisma, `DELETE FROM "AuditEvent" WHERE seq >= ${events[3]!.seq}`);
      expect(await verifyAuditChain(fresh.prisma)).toMatchObject({ intact: true, events: 3 });
      expect(await compareAnchor(fresh.prisma, anchor)).toMatchObject({ status: "missing" });
    });
  });
});

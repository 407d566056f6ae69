import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GRANT_STATUSES,
  GRANT_TRANSITIONS,
  REQUEST_STATUSES,
  REQUEST_TRANSITIONS,
  type GrantStatus,
  type RequestStatus,
} from "../domain/request-lifecycle";
import { allowedStatusPairs, withStatusFixture } from "./status-guard";
import { createTestDatabase, type TestDatabase } from "./test-database";

let db: TestDatabase;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  userId = (await db.prisma.user.create({ data: { email: "guard@example.com" } })).id;
});

afterAll(async () => {
  await db?.drop();
});

async function insertRequest(status: RequestStatus) {
  const now = Date.now();
  return db.prisma.accessRequest.create({
    data: {
      requesterId: userId,
      status,
      justification: "status guard test",
      durationMinutes: 60,
      startsAt: new Date(now),
      endsAt: new Date(now + 3_600_000),
    },
  });
}

async function insertGrant(status: GrantStatus) {
  const request = await insertRequest("ACTIVE");
  const target = await db.prisma.requestTarget.create({
    data: {
      requestId: request.id,
      accountId: "111111111111",
      permissionSetArn: "arn:aws:sso:::permissionSet/ps-guard",
    },
  });
  return db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: target.id,
      userId,
      accountId: target.accountId,
      permissionSetArn: target.permissionSetArn,
      status,
      startsAt: request.startsAt,
      endsAt: request.endsAt,
    },
  });
}

// The way every service writes a status: a compare-and-set on the status read that bumps the version.
const casRequest = (id: string, from: RequestStatus, to: RequestStatus) =>
  db.prisma.accessRequest.updateMany({ where: { id, status: from }, data: { status: to, version: { increment: 1 } } });
const casGrant = (id: string, from: GrantStatus, to: GrantStatus) =>
  db.prisma.grant.updateMany({ where: { id, status: from }, data: { status: to, version: { increment: 1 } } });

const requestEdges = Object.values(REQUEST_TRANSITIONS).flatMap((rule) =>
  Object.entries(rule.edges).map(([from, to]) => [from as RequestStatus, to as RequestStatus] as const),
);
const grantEdges = Object.values(GRANT_TRANSITIONS).flatMap((row) =>
  Object.entries(row).map(([from, to]) => [from as GrantStatus, to as GrantStatus] as const),
);

describe("the status guard on every test database", () => {
  it("allows exactly the pairs of the domain tables (generated, not written twice)", () => {
    const pairs = allowedStatusPairs();
    expect(pairs.request).toEqual([...new Set(requestEdges.map(([from, to]) => `${from}>${to}`))].sort());
    expect(pairs.grant).toEqual([...new Set(grantEdges.map(([from, to]) => `${from}>${to}`))].sort());
  });

  it.each(requestEdges)("accepts the request edge %s → %s", async (from, to) => {
    const request = await insertRequest(from);
    expect((await casRequest(request.id, from, to)).count).toBe(1);
  });

  it.each(grantEdges)("accepts the grant edge %s → %s", async (from, to) => {
    const grant = await insertGrant(from);
    expect((await casGrant(grant.id, from, to)).count).toBe(1);
  });

  it("rejects every request write the table does not allow, and the row keeps its status", async () => {
    const allowed = new Set(requestEdges.map(([from, to]) => `${from}>${to}`));
    for (const from of REQUEST_STATUSES) {
      const request = await insertRequest(from);
      for (const to of REQUEST_STATUSES) {
        if (to === from || allowed.has(`${from}>${to}`)) continue;
        await expect(casRequest(request.id, from, to), `${from} → ${to}`).rejects.toThrow(
          `status guard: AccessRequest ${from} -> ${to} is not in the transition table`,
        );
      }
      expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe(from);
    }
  });

  it("rejects every grant write the table does not allow", async () => {
    const allowed = new Set(grantEdges.map(([from, to]) => `${from}>${to}`));
    for (const from of GRANT_STATUSES) {
      const grant = await insertGrant(from);
      for (const to of GRANT_STATUSES) {
        if (to === from || allowed.has(`${from}>${to}`)) continue;
        await expect(casGrant(grant.id, from, to), `${from} → ${to}`).rejects.toThrow(
          `status guard: Grant ${from} -> ${to} is not in the transition table`,
        );
      }
    }
  });

  it("rolls back the whole service transaction, not only the refused row", async () => {
    const request = await insertRequest("COMPLETED");
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.user.create({ data: { email: "written-in-the-same-transaction@example.com" } });
        await tx.accessRequest.updateMany({
          where: { id: request.id, status: "COMPLETED" },
          data: { status: "ACTIVE", version: { increment: 1 } },
        });
      }),
    ).rejects.toThrow("status guard");
    expect(await db.prisma.user.count({ where: { email: "written-in-the-same-transaction@example.com" } })).toBe(0);
  });

  it("a fixture arranges any status explicitly, inside its own transaction only", async () => {
    const request = await insertRequest("COMPLETED");
    await withStatusFixture(db.prisma, (tx) =>
      tx.accessRequest.update({ where: { id: request.id }, data: { status: "PENDING", version: { increment: 1 } } }),
    );
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("PENDING");
    // SET LOCAL ended with that transaction: the next write on the same pool is guarded again.
    await expect(casRequest(request.id, "PENDING", "COMPLETED")).rejects.toThrow("status guard");
  });

  it("a status poke that leaves the version alone is a fixture arranging a state, not a service write", async () => {
    const grant = await insertGrant("ACTIVE");
    await db.prisma.grant.update({ where: { id: grant.id }, data: { status: "REMOVAL_FAILED" } });
    expect((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status).toBe("REMOVAL_FAILED");
  });
});

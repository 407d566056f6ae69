import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../audit/export-format";
import type { Role, SessionRevocationStatus } from "../../generated/prisma/enums";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { expectCode } from "../../testing/expect-app-error";
import { emitAudit } from "../audit";
import { systemActor, type ServiceContext, type UserActor } from "../context";
import { getAuditTimeline } from "./audit-timeline";
import { CSV_COLUMNS, exportAccessHistory } from "./history-export";
import { getRequestDetail } from "./request-detail";
import { listSessionRevocations } from "./session-revocations";

// What admins, the request timeline and the history export say about the portal's session denies.

const PAYMENTS = { id: "210987654321", name: "payments-prod", ouPath: "Root/Workloads", ouIds: ["r-root1"] };
const SANDBOX = { id: "410987654321", name: "sandbox-alice", ouPath: "Root/Sandbox", ouIds: ["r-root1"] };
const READ = {
  arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-read",
  name: "ReadOnly",
  sessionDurationMinutes: 60,
};
const ALICE_STORE_ID = "9067a1b2c3-11111111-2222-3333-4444-555555555555";
const BOB_STORE_ID = "9067a1b2c3-66666666-7777-8888-9999-000000000000";
const MIN = 60_000;
const now = new Date();

let db: TestDatabase;
const people: Record<string, UserActor> = {};
const ctxFor = (actor: UserActor): ServiceContext => ({ actor, db: db.prisma, now: () => now });

async function person(name: string, roles: Role[], identityStoreUserId: string | null = null): Promise<UserActor> {
  const email = `${name}@example.com`;
  const user = await db.prisma.user.create({ data: { email, name, roles, identityStoreUserId } });
  return {
    type: "user",
    userId: user.id,
    email,
    name,
    roles,
    groups: [],
    identityStoreUserId,
    ip: null,
    userAgent: null,
  };
}

/** An ended request of alice's with one REMOVED grant on ReadOnly in `account`. */
async function endedGrant(account: { id: string }) {
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: people.alice!.userId,
      status: "COMPLETED",
      justification: "Read the ledger",
      durationMinutes: 60,
      startsAt: new Date(now.getTime() - 90 * MIN),
      endsAt: new Date(now.getTime() - 30 * MIN),
      requiredApprovals: 0,
      targets: { create: [{ accountId: account.id, permissionSetArn: READ.arn }] },
    },
    include: { targets: true },
  });
  const grant = await db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: request.targets[0]!.id,
      userId: people.alice!.userId,
      accountId: account.id,
      permissionSetArn: READ.arn,
      principalId: ALICE_STORE_ID,
      status: "REMOVED",
      startsAt: request.startsAt,
      endsAt: request.endsAt,
    },
  });
  return { request, grant };
}

async function revocation(
  fields: { grantId?: string | null; accountId: string; identityStoreUserId: string | null },
  status: SessionRevocationStatus,
  minutesAgo: number,
) {
  const cutoff = new Date(now.getTime() - minutesAgo * MIN);
  return db.prisma.sessionRevocation.create({
    data: {
      grantId: fields.grantId ?? null,
      permissionSetArn: READ.arn,
      accountId: fields.accountId,
      identityStoreUserId: fields.identityStoreUserId,
      cutoff,
      expiresAt: new Date(cutoff.getTime() + 60 * MIN),
      status,
      lastError: status === "FAILED" ? "Provisioning kept failing." : null,
      cleanedAt: status === "CLEANED" ? now : null,
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.awsAccount.createMany({ data: [PAYMENTS, SANDBOX] });
  await db.prisma.permissionSet.create({ data: READ });
  people.alice = await person("alice", ["REQUESTER"], ALICE_STORE_ID);
  people.bob = await person("bob", ["APPROVER"], BOB_STORE_ID);
  people.carol = await person("carol", ["AUDITOR"]);
  people.dave = await person("dave", ["ADMIN"]);
});

afterAll(async () => {
  await db?.drop();
});

describe("the admin page of session denies", () => {
  it("refuses everyone but admins", async () => {
    for (const name of ["alice", "bob", "carol"])
      await expectCode(listSessionRevocations({ ctx: ctxFor(people[name]!) }), "FORBIDDEN");
    await expectCode(
      listSessionRevocations({
        ctx: { db: db.prisma, now: () => now, actor: { type: "anonymous", ip: null, userAgent: null } },
      }),
      "UNAUTHENTICATED",
    );
  });

  it("lists the statements per permission set and account, with user, cutoff, expiry and state", async () => {
    await db.prisma.sessionRevocation.deleteMany();
    const { request, grant } = await endedGrant(PAYMENTS);
    const verified = await revocation(
      { grantId: grant.id, accountId: PAYMENTS.id, identityStoreUserId: ALICE_STORE_ID },
      "VERIFIED",
      29,
    );
    const applied = await revocation({ accountId: PAYMENTS.id, identityStoreUserId: BOB_STORE_ID }, "APPLIED", 5);
    const failed = await revocation({ accountId: SANDBOX.id, identityStoreUserId: null }, "FAILED", 10);
    const cleaned = await revocation({ accountId: SANDBOX.id, identityStoreUserId: ALICE_STORE_ID }, "CLEANED", 120);

    const view = await listSessionRevocations({ ctx: ctxFor(people.dave!) });
    expect(view.counts).toEqual({ PENDING: 0, APPLIED: 1, VERIFIED: 1, FAILED: 1, CLEANED: 1 });
    expect(view.cleanedShown).toBe(1);
    expect(
      view.groups.map((g) => ({
        target: `${g.permissionSetName} on ${g.accountName}`,
        live: g.live,
        rows: g.rows.map((r) => [r.id, r.user, r.status, r.cutoff.getTime(), r.expiresAt.getTime(), r.requestId]),
      })),
    ).toEqual([
      {
        target: "ReadOnly on payments-prod",
        live: 2,
        rows: [
          // Soonest expiry first: the statement that goes next.
          [
            verified.id,
            "alice@example.com",
            "VERIFIED",
            verified.cutoff.getTime(),
            verified.expiresAt.getTime(),
            request.id,
          ],
          [applied.id, "bob@example.com", "APPLIED", applied.cutoff.getTime(), applied.expiresAt.getTime(), null],
        ],
      },
      {
        target: "ReadOnly on sandbox-alice",
        live: 1,
        rows: [
          [failed.id, null, "FAILED", failed.cutoff.getTime(), failed.expiresAt.getTime(), null],
          [cleaned.id, "alice@example.com", "CLEANED", cleaned.cutoff.getTime(), cleaned.expiresAt.getTime(), null],
        ],
      },
    ]);
    expect(view.groups[1]!.rows[0]!.lastError).toBe("Provisioning kept failing.");
  });
});

describe("the request's timeline and the history export show the session revocation events", () => {
  it("titles them with the target and exports them in both formats", async () => {
    const { request, grant } = await endedGrant(SANDBOX);
    const row = await revocation(
      { grantId: grant.id, accountId: SANDBOX.id, identityStoreUserId: ALICE_STORE_ID },
      "VERIFIED",
      29,
    );
    const worker = systemActor("test-sessions");
    const after = { permissionSetArn: READ.arn, accountId: SANDBOX.id, cutoff: row.cutoff.toISOString() };
    await db.prisma.$transaction(async (tx) => {
      const base = { entityType: "session_revocation", entityId: row.id, requestId: request.id };
      await emitAudit(
        tx,
        worker,
        { ...base, action: "session.revocation_applied", after: { ...after, awsRequestId: "prov-1" } },
        new Date(now.getTime() - 29 * MIN),
      );
      await emitAudit(
        tx,
        worker,
        { ...base, action: "session.revocation_verified", after: { ...after, awsRequestId: "prov-1" } },
        new Date(now.getTime() - 28 * MIN),
      );
    });

    const trail = await getAuditTimeline({ ctx: ctxFor(people.carol!), input: { requestId: request.id } });
    expect(trail.entries.map((e) => [e.title, e.target, e.awsRequestId])).toEqual([
      [
        "Live AWS sessions: deny written and provisioning started: ReadOnly on sandbox-alice",
        "ReadOnly on sandbox-alice",
        "prov-1",
      ],
      [
        "Live AWS sessions cut (provisioning succeeded): ReadOnly on sandbox-alice",
        "ReadOnly on sandbox-alice",
        "prov-1",
      ],
    ]);
    const detail = await getRequestDetail({ ctx: ctxFor(people.alice!), input: { requestId: request.id } });
    expect(detail.timeline.map((e) => e.title)).toContain(
      "Live AWS sessions cut (provisioning succeeded): ReadOnly on sandbox-alice",
    );

    const csv = await new Response(
      (await exportAccessHistory({ ctx: ctxFor(people.carol!), input: { format: "csv" } })).stream,
    ).text();
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([...CSV_COLUMNS]);
    const exported = rows.find((r) => r[0] === request.id)!;
    const at = (minutes: number) => new Date(now.getTime() - minutes * MIN).toISOString();
    expect(exported[CSV_COLUMNS.indexOf("session_revocations")]).toBe(
      `session deny applied: ReadOnly on sandbox-alice at ${at(29)} (AWS request prov-1); session deny verified: ReadOnly on sandbox-alice at ${at(28)} (AWS request prov-1)`,
    );
    // A request without revocations has an empty cell, not a made-up one.
    expect(
      rows.filter((r) => r[0] !== request.id).every((r) => r[CSV_COLUMNS.indexOf("session_revocations")] === ""),
    ).toBe(true);

    const jsonl = await new Response(
      (await exportAccessHistory({ ctx: ctxFor(people.carol!), input: { format: "jsonl" } })).stream,
    ).text();
    const line = jsonl
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as { id: string; sessionRevocations: unknown[] })
      .find((r) => r.id === request.id)!;
    expect(line.sessionRevocations).toEqual([
      {
        action: "session.revocation_applied",
        at: at(29),
        accountId: SANDBOX.id,
        permissionSetName: "ReadOnly",
        awsRequestId: "prov-1",
      },
      {
        action: "session.revocation_verified",
        at: at(28),
        accountId: SANDBOX.id,
        permissionSetName: "ReadOnly",
        awsRequestId: "prov-1",
      },
    ]);
  });
});

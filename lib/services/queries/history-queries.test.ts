import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../audit/export-format";
import type { RequestStatus, Role } from "../../generated/prisma/enums";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { emitAudit } from "../audit";
import { systemActor, type ServiceContext, type UserActor } from "../context";
import { checkAuditIntegrity } from "./audit-integrity";
import { getAuditTimeline } from "./audit-timeline";
import { CSV_COLUMNS, EVENT_CSV_COLUMNS, exportAccessHistory } from "./history-export";
import { HistoryFilters, type HistoryCursor } from "./history-filters";
import { getHistoryInsights } from "./history-insights";
import { fetchHistoryRows, listAccessHistory, type HistoryRow } from "./history-list";
import { planHistoryQuery } from "./history-sql";
import { expectCode } from "../../testing/expect-app-error";

const ROOT = "r-root1";
const WORKLOADS = "ou-root-workload1";
const SANDBOX = "ou-root-sandbox01";
const ACCOUNTS = {
  payments: { id: "210987654321", name: "payments-prod", ouPath: "Root/Workloads/Payments", ouIds: [ROOT, WORKLOADS] },
  data: { id: "310987654321", name: "data-prod", ouPath: "Root/Workloads/Data", ouIds: [ROOT, WORKLOADS] },
  sandbox: { id: "410987654321", name: "sandbox-alice", ouPath: "Root/Sandbox", ouIds: [ROOT, SANDBOX] },
  management: { id: "111111111111", name: "management", ouPath: "Root", ouIds: [ROOT] },
};
const SETS = {
  power: { arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-power", name: "PowerUser" },
  read: { arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-read", name: "ReadOnly" },
  admin: { arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-admin", name: "AdministratorAccess" },
};
const PEOPLE: Record<string, Role[]> = {
  alice: ["REQUESTER"],
  erin: ["REQUESTER"],
  bob: ["APPROVER"],
  dave: ["ADMIN", "APPROVER"],
  carol: ["AUDITOR"],
};
const HOSTILE = [
  `=cmd|' /C calc'!A0`,
  "+1",
  "-1",
  "@SUM(1,2)",
  `She said "hi", then left`,
  "line one\nline two, with a comma",
  "\tTab first",
  "\rCR first",
];

// Monday 2 June 2025, 00:00 UTC: business-hours checks below depend on the weekday.
const T0 = Date.UTC(2025, 5, 2);
const H = 3_600_000;

let db: TestDatabase;
const users: Record<string, UserActor> = {};
const ids: Record<string, string> = {};
const bulk: string[] = [];
const now = new Date(T0 + 30 * 24 * H);

const ctxFor = (actor: UserActor): ServiceContext => ({ actor, db: db.prisma, now: () => now });
const as = (name: string) => ctxFor(users[name]!);

interface Spec {
  requester: string;
  at: number;
  targets: { accountId: string; permissionSetArn: string }[];
  status: RequestStatus;
  justification?: string;
  ticket?: string | null;
  auto?: boolean;
  decidedAfterMs?: number;
}

async function seed(spec: Spec): Promise<string> {
  const createdAt = new Date(spec.at);
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: users[spec.requester]!.userId,
      status: spec.status,
      justification: spec.justification ?? `Routine work by ${spec.requester}`,
      ticket: spec.ticket ?? null,
      durationMinutes: 60,
      startsAt: createdAt,
      endsAt: new Date(spec.at + H),
      requiredApprovals: spec.auto ? 0 : 1,
      createdAt,
      decidedAt: spec.auto
        ? createdAt
        : spec.decidedAfterMs !== undefined
          ? new Date(spec.at + spec.decidedAfterMs)
          : null,
      targets: { create: spec.targets },
    },
  });
  return request.id;
}

async function decide(requestId: string, approver: string, decision: "APPROVE" | "DENY", at: number) {
  await db.prisma.approvalDecision.create({
    data: {
      requestId,
      approverId: users[approver]!.userId,
      decision,
      viaGroups: ["approvers"],
      createdAt: new Date(at),
    },
  });
}

async function grant(requestId: string, status: "ACTIVE" | "REMOVED", verifiedAt: number): Promise<string> {
  const target = await db.prisma.requestTarget.findFirstOrThrow({ where: { requestId } });
  const request = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
  const created = await db.prisma.grant.create({
    data: {
      requestId,
      targetId: target.id,
      userId: request.requesterId,
      accountId: target.accountId,
      permissionSetArn: target.permissionSetArn,
      status,
      startsAt: request.startsAt,
      endsAt: request.endsAt,
      createVerifiedAt: new Date(verifiedAt),
    },
  });
  return created.id;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

beforeAll(async () => {
  db = await createTestDatabase();
  for (const account of Object.values(ACCOUNTS)) await db.prisma.awsAccount.create({ data: account });
  for (const set of Object.values(SETS)) await db.prisma.permissionSet.create({ data: set });
  for (const [name, roles] of Object.entries(PEOPLE)) {
    const email = `${name}@example.com`;
    const user = await db.prisma.user.create({ data: { email, name: name[0]!.toUpperCase() + name.slice(1), roles } });
    users[name] = {
      type: "user",
      userId: user.id,
      email,
      name: user.name,
      roles,
      groups: [],
      identityStoreUserId: null,
      ip: "10.0.0.9",
      userAgent: "vitest",
    };
  }
  const powerOnPayments = { accountId: ACCOUNTS.payments.id, permissionSetArn: SETS.power.arn };
  // Approved by bob five seconds after it was asked for; its grant started on a Saturday night.
  ids.r1 = await seed({
    requester: "alice",
    at: T0 + H,
    targets: [powerOnPayments],
    status: "COMPLETED",
    justification: "Rotate keys, 50% done",
    ticket: "PAY-1",
    decidedAfterMs: 5_000,
  });
  await decide(ids.r1, "bob", "APPROVE", T0 + H + 5_000);
  ids.g1 = await grant(ids.r1, "REMOVED", Date.UTC(2025, 5, 7, 3));
  ids.r2 = await seed({
    requester: "alice",
    at: T0 + 2 * H,
    targets: [{ accountId: ACCOUNTS.sandbox.id, permissionSetArn: SETS.read.arn }],
    status: "ACTIVE",
    auto: true,
  });
  await grant(ids.r2, "ACTIVE", T0 + 10 * H);
  ids.r3 = await seed({
    requester: "erin",
    at: T0 + 24 * H,
    targets: [{ accountId: ACCOUNTS.data.id, permissionSetArn: SETS.read.arn }],
    status: "DENIED",
    justification: "Resize to 500 GB",
    ticket: "INC-9",
    decidedAfterMs: 60_000,
  });
  await decide(ids.r3, "bob", "DENY", T0 + 24 * H + 60_000);
  // Two targets: PowerUser on data-prod and ReadOnly on payments-prod, never PowerUser on payments-prod.
  ids.r4 = await seed({
    requester: "erin",
    at: T0 + 48 * H,
    targets: [
      { accountId: ACCOUNTS.data.id, permissionSetArn: SETS.power.arn },
      { accountId: ACCOUNTS.payments.id, permissionSetArn: SETS.read.arn },
    ],
    status: "REVOKED",
    decidedAfterMs: 600_000,
  });
  await decide(ids.r4, "dave", "APPROVE", T0 + 48 * H + 600_000);
  ids.r5 = await seed({
    requester: "alice",
    at: T0 + 72 * H,
    targets: [{ accountId: ACCOUNTS.management.id, permissionSetArn: SETS.admin.arn }],
    status: "PENDING",
    ticket: "INC_9",
  });
  for (const [i, text] of HOSTILE.entries())
    ids[`h${i}`] = await seed({
      requester: "erin",
      at: T0 + 96 * H + i * 1_000,
      targets: [powerOnPayments],
      status: "COMPLETED",
      justification: text,
      ticket: i === 0 ? '=HYPERLINK("http://evil")' : null,
    });
  // Older bulk history with many identical timestamps, so pagination has ties to get right.
  for (let i = 0; i < 45; i++)
    bulk.push(
      await seed({
        requester: i % 3 === 0 ? "alice" : "erin",
        at: Date.UTC(2024, 0, 1) + Math.floor(i / 6) * H,
        targets: [powerOnPayments],
        status: "COMPLETED",
      }),
    );
  await db.prisma.$transaction(async (tx) => {
    await emitAudit(
      tx,
      users.alice!,
      {
        action: "request.created",
        entityType: "request",
        entityId: ids.r1!,
        requestId: ids.r1!,
        reason: "Rotate keys, 50% done",
      },
      new Date(T0 + H),
    );
    await emitAudit(
      tx,
      users.bob!,
      {
        action: "request.approval_given",
        entityType: "request",
        entityId: ids.r1!,
        requestId: ids.r1!,
        after: { decision: "APPROVE" },
      },
      new Date(T0 + H + 5_000),
    );
    await emitAudit(
      tx,
      systemActor("grant-activate"),
      {
        action: "grant.activated",
        entityType: "grant",
        entityId: ids.g1!,
        requestId: ids.r1!,
        after: { status: "ACTIVE", awsRequestId: "aws-1" },
      },
      new Date(T0 + 2 * H),
    );
    await emitAudit(
      tx,
      users.erin!,
      { action: "request.created", entityType: "request", entityId: ids.r4!, requestId: ids.r4! },
      new Date(T0 + 48 * H),
    );
    await emitAudit(
      tx,
      users.dave!,
      { action: "request.revoked", entityType: "request", entityId: ids.r4!, requestId: ids.r4!, reason: "done" },
      new Date(T0 + 50 * H),
    );
  });
});

afterAll(async () => {
  await db?.drop();
});

async function matching(input: Record<string, unknown>, who = "carol"): Promise<string[]> {
  const page = await listAccessHistory({ ctx: as(who), input: { limit: 200, ...input } });
  return page.rows.map((r) => r.id);
}
const only = (...keys: string[]) => keys.map((k) => ids[k]!).sort();

describe("history filters", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["a UTC day range, inclusive of the last day", { from: "2025-06-03", to: "2025-06-04" }, ["r3", "r4"]],
    ["requester by email, any case", { requester: "ALICE@example.com", from: "2025-06-01" }, ["r1", "r2", "r5"]],
    ["approver", { approver: "bob@example.com" }, ["r1", "r3"]],
    ["account", { account: ACCOUNTS.data.id }, ["r3", "r4"]],
    ["OU: any account below it", { ou: WORKLOADS, from: "2025-06-01", to: "2025-06-05" }, ["r1", "r3", "r4"]],
    [
      "account and permission set on the same target",
      { account: ACCOUNTS.payments.id, permissionSet: SETS.power.arn, from: "2025-06-01", to: "2025-06-05" },
      ["r1"],
    ],
    ["several statuses", { status: ["DENIED", "REVOKED"] }, ["r3", "r4"]],
    ["event type", { event: "request.revoked" }, ["r4"]],
    [
      "two related filters together: approver and event type",
      { approver: "bob@example.com", event: "request.approval_given" },
      ["r1"],
    ],
    ["search with a literal percent sign", { q: "50%" }, ["r1"]],
    ["search with a literal underscore, in tickets", { q: "C_9" }, ["r5"]],
    ["search in tickets, case-insensitive", { q: "pay-1" }, ["r1"]],
  ];
  for (const [name, input, expected] of cases) {
    it(`filters by ${name}`, async () => {
      const found = await matching(input);
      expect([...found].sort()).toEqual(only(...expected));
      // The per-row (EXISTS) form used for broad filters must agree with the id-list form used for selective ones.
      const filters = HistoryFilters.parse(input);
      const plan = await planHistoryQuery(db.prisma, filters);
      const walked = await fetchHistoryRows(
        db.prisma,
        {
          filters,
          scope: { kind: "all" },
          plan: { ...plan, selective: { target: false, approver: false, event: false } },
        },
        undefined,
        "forward",
        500,
      );
      expect(walked.map((r) => r.id).sort()).toEqual(found.sort());
    });
  }

  it("matches nothing for an unknown requester or OU instead of ignoring the filter", async () => {
    expect(await matching({ requester: "nobody@example.com" })).toEqual([]);
    expect(await matching({ ou: "ou-none-000000" })).toEqual([]);
  });

  it("returns rows with names, decisions and the self-service flag", async () => {
    const page = await listAccessHistory({ ctx: as("carol"), input: { from: "2025-06-02", to: "2025-06-02" } });
    const r1 = page.rows.find((r) => r.id === ids.r1)!;
    expect(r1).toMatchObject({
      status: "COMPLETED",
      ticket: "PAY-1",
      autoApproved: false,
      requester: { email: "alice@example.com" },
    });
    expect(r1.targets).toEqual([
      {
        accountId: ACCOUNTS.payments.id,
        accountName: "payments-prod",
        ouPath: "Root/Workloads/Payments",
        permissionSetArn: SETS.power.arn,
        permissionSetName: "PowerUser",
      },
    ]);
    expect(r1.decisions).toEqual([
      expect.objectContaining({ approverEmail: "bob@example.com", decision: "APPROVE", at: new Date(T0 + H + 5_000) }),
    ]);
    expect(page.rows.find((r) => r.id === ids.r2)!.autoApproved).toBe(true);
  });

  it("sorts newest or oldest first", async () => {
    const newest = await matching({ from: "2025-06-01", to: "2025-06-05" });
    const oldest = await matching({ from: "2025-06-01", to: "2025-06-05", sort: "oldest" });
    expect(newest).toEqual(["r5", "r4", "r3", "r2", "r1"].map((k) => ids[k]));
    expect(oldest).toEqual([...newest].reverse());
  });

  it("rejects a malformed page position", async () => {
    await expectCode(listAccessHistory({ ctx: as("carol"), input: { after: "yesterday" } }), "VALIDATION");
  });
});

describe("keyset pagination", () => {
  async function walk(input: Record<string, unknown>, limit: number) {
    const seen: string[] = [];
    const cursors: (string | null)[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const page = await listAccessHistory({
        ctx: as("carol"),
        input: { ...input, limit, ...(after ? { after } : {}) },
      });
      seen.push(...page.rows.map((r) => r.id));
      cursors.push(page.prevCursor);
      if (!page.nextCursor) return { seen, cursors };
      after = page.nextCursor;
    }
    throw new Error("pagination did not end");
  }

  it("returns every row exactly once, across ties in createdAt, in both orders", async () => {
    const total = await db.prisma.accessRequest.count();
    for (const sort of ["newest", "oldest"]) {
      const { seen, cursors } = await walk({ sort }, 7);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
      expect(cursors[0]).toBeNull();
      expect(cursors.slice(1).every(Boolean)).toBe(true);
    }
  });

  it("pages through a filtered view exactly once", async () => {
    const { seen } = await walk({ requester: "erin@example.com" }, 4);
    const expected = await db.prisma.accessRequest.findMany({
      where: { requesterId: users.erin!.userId },
      select: { id: true },
    });
    expect(seen.sort()).toEqual(expected.map((r) => r.id).sort());
  });

  it("steps back to the same pages it came from", async () => {
    const first = await listAccessHistory({ ctx: as("carol"), input: { limit: 5 } });
    const second = await listAccessHistory({ ctx: as("carol"), input: { limit: 5, after: first.nextCursor } });
    const third = await listAccessHistory({ ctx: as("carol"), input: { limit: 5, after: second.nextCursor } });
    const backToSecond = await listAccessHistory({ ctx: as("carol"), input: { limit: 5, before: third.prevCursor } });
    expect(backToSecond.rows.map((r) => r.id)).toEqual(second.rows.map((r) => r.id));
    const backToFirst = await listAccessHistory({
      ctx: as("carol"),
      input: { limit: 5, before: backToSecond.prevCursor },
    });
    expect(backToFirst.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
    expect(backToFirst.prevCursor).toBeNull();
  });

  it("keeps the keyset exact to the millisecond", async () => {
    const rows = await fetchHistoryRows(
      db.prisma,
      {
        filters: HistoryFilters.parse({}),
        scope: { kind: "all" },
        plan: { selective: { target: false, approver: false, event: false } },
      },
      { createdAt: new Date(T0 + 2 * H), id: ids.r2! } satisfies HistoryCursor,
      "forward",
      1,
    );
    expect(rows[0]!.id).toBe(ids.r1);
  });
});

describe("who sees what", () => {
  it("shows a requester only their own history, whatever the filters ask for", async () => {
    const mine = await listAccessHistory({ ctx: as("alice"), input: { limit: 200 } });
    expect(mine.scope).toBe("own");
    expect(mine.rows.length).toBeGreaterThan(0);
    expect(mine.rows.every((r) => r.requester.id === users.alice!.userId)).toBe(true);
    expect(await matching({ requester: "erin@example.com" }, "alice")).toEqual([]);
    expect(await matching({ approver: "bob@example.com" }, "alice")).toEqual([ids.r1]);
  });

  it("lets an approver who is not an auditor see only their own requests too", async () => {
    expect((await listAccessHistory({ ctx: as("bob"), input: {} })).rows).toEqual([]);
  });

  it("exports only the requester's own rows", async () => {
    const download = await exportAccessHistory({
      ctx: as("alice"),
      input: { format: "jsonl", requester: "erin@example.com" },
    });
    expect((await readAll(download.stream)).trim()).toBe("");
    const mine = await exportAccessHistory({ ctx: as("alice"), input: { format: "csv" } });
    const rows = parseCsv(await readAll(mine.stream)).slice(1);
    const expected = await db.prisma.accessRequest.count({ where: { requesterId: users.alice!.userId } });
    expect(rows).toHaveLength(expected);
    expect(rows.every((r) => r[3] === "alice@example.com")).toBe(true);
  });

  it("keeps charts and the chain check for auditors and admins", async () => {
    await expectCode(getHistoryInsights({ ctx: as("alice"), input: {} }), "FORBIDDEN");
    await expectCode(checkAuditIntegrity({ ctx: as("bob"), input: {} }), "FORBIDDEN");
  });

  it("shows a request's audit trail to its requester and auditors, and hides others' requests", async () => {
    const own = await getAuditTimeline({ ctx: as("alice"), input: { requestId: ids.r1 } });
    expect(own.entries.map((e) => e.action)).toEqual(["request.created", "request.approval_given", "grant.activated"]);
    expect(own.entries[0]!.ip).toBeNull();
    expect(own.entries[2]).toMatchObject({
      awsRequestId: "aws-1",
      title: "Assignment active (verified): PowerUser on payments-prod",
    });
    await expectCode(getAuditTimeline({ ctx: as("alice"), input: { requestId: ids.r4 } }), "NOT_FOUND");
    const audited = await getAuditTimeline({ ctx: as("carol"), input: { requestId: ids.r1 } });
    expect(audited.entries[0]!.ip).toBe("10.0.0.9");
    expect(audited.entries[1]!.prevHash).toBe(audited.entries[0]!.hash);
  });
});

describe("exports", () => {
  it("streams CSV that spreadsheets cannot execute and that parses back", async () => {
    const download = await exportAccessHistory({
      ctx: as("carol"),
      input: { format: "csv", from: "2025-06-06", to: "2025-06-06" },
      pageSize: 3,
    });
    expect(download.filename).toMatch(/^access-history-\d{8}T\d{6}Z\.csv$/);
    expect(download.contentType).toContain("text/csv");
    const text = await readAll(download.stream);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(HOSTILE.length);
    const justification = CSV_COLUMNS.indexOf("justification");
    const byId = new Map(rows.map((r) => [r[0], r]));
    const expected = [
      `'=cmd|' /C calc'!A0`,
      "'+1",
      "'-1",
      "'@SUM(1,2)",
      `She said "hi", then left`,
      "line one\nline two, with a comma",
      "'\tTab first",
      "'\rCR first",
    ];
    HOSTILE.forEach((_, i) => expect(byId.get(ids[`h${i}`])![justification]).toBe(expected[i]));
    expect(byId.get(ids.h0)![CSV_COLUMNS.indexOf("ticket")]).toBe(`'=HYPERLINK("http://evil")`);
    // No cell of the file starts with a formula character once parsed.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("streams JSONL whose lines parse back to the rows, across pages", async () => {
    const download = await exportAccessHistory({ ctx: as("carol"), input: { format: "jsonl" }, pageSize: 4 });
    const lines = (await readAll(download.stream)).split("\n");
    expect(lines.pop()).toBe("");
    const parsed = lines.map((line) => JSON.parse(line) as HistoryRow & { createdAt: string });
    expect(parsed).toHaveLength(await db.prisma.accessRequest.count());
    expect(new Set(parsed.map((r) => r.id)).size).toBe(parsed.length);
    const hostile = parsed.find((r) => r.id === ids.h5)!;
    expect(hostile.justification).toBe("line one\nline two, with a comma");
    expect(new Date(parsed.find((r) => r.id === ids.r1)!.createdAt).getTime()).toBe(T0 + H);
  });

  it.each(["newest", "oldest"] as const)(
    "exports exactly the dashboard's rows in its order (%s first), pages read side by side",
    async (sort) => {
      const listed = await listAccessHistory({ ctx: as("carol"), input: { sort, limit: 200 } });
      const download = await exportAccessHistory({ ctx: as("carol"), input: { format: "jsonl", sort }, pageSize: 2 });
      const exported = (await readAll(download.stream))
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { id: string }).id);
      expect(exported).toEqual(listed.rows.map((r) => r.id));
    },
  );

  it("records who exported what in the audit log", async () => {
    await exportAccessHistory({ ctx: as("carol"), input: { format: "csv", status: "DENIED" } });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: "history.exported" },
      orderBy: { seq: "desc" },
    });
    expect(event).toMatchObject({ actorLabel: "carol@example.com", entityType: "history" });
    expect(event.after).toMatchObject({ format: "csv", scope: "all", filters: { status: ["DENIED"] } });
  });

  it("exports one row per audit event with its chain hashes and AWS request id, for a SIEM", async () => {
    const download = await exportAccessHistory({
      ctx: as("carol"),
      input: { format: "jsonl", per: "event", requester: "alice@example.com" },
      pageSize: 2,
    });
    expect(download.filename).toMatch(/^access-history-events-\d{8}T\d{6}Z\.jsonl$/);
    const events = (await readAll(download.stream))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const r1Events = events.filter((e) => e.requestId === ids.r1);
    const stored = await db.prisma.auditEvent.findMany({ where: { requestId: ids.r1 }, orderBy: { seq: "asc" } });
    expect(r1Events).toEqual(
      stored.map((e) => ({
        seq: Number(e.seq),
        occurredAt: e.occurredAt.toISOString(),
        actorType: e.actorType,
        actor: e.actorLabel,
        action: e.action,
        requestId: ids.r1,
        entityType: e.entityType,
        entityId: e.entityId,
        target: "PowerUser on payments-prod",
        awsRequestId: e.action === "grant.activated" ? "aws-1" : null,
        hash: e.hash,
        prevHash: e.prevHash,
      })),
    );
    // The requester filter holds: erin's revoked request r4 has events but is not alice's.
    expect(events.some((e) => e.requestId === ids.r4)).toBe(false);
    expect(Object.keys(events[0]!)).toEqual([
      "seq",
      "occurredAt",
      "actorType",
      "actor",
      "action",
      "requestId",
      "entityType",
      "entityId",
      "target",
      "awsRequestId",
      "hash",
      "prevHash",
    ]);
  });

  it("exports events as CSV with a header, and a requester only gets events of their own requests", async () => {
    const download = await exportAccessHistory({ ctx: as("erin"), input: { format: "csv", per: "event" } });
    const [header, ...rows] = parseCsv(await readAll(download.stream));
    expect(header).toEqual([...EVENT_CSV_COLUMNS]);
    const requestIdColumn = EVENT_CSV_COLUMNS.indexOf("request_id");
    expect(rows.map((r) => r[requestIdColumn])).toEqual([ids.r4, ids.r4]);
    expect(rows.map((r) => r[EVENT_CSV_COLUMNS.indexOf("action")])).toEqual(["request.created", "request.revoked"]);
    expect(rows[1]![EVENT_CSV_COLUMNS.indexOf("prev_hash")]).toBe(rows[0]![EVENT_CSV_COLUMNS.indexOf("hash")]);
    const alice = await exportAccessHistory({ ctx: as("alice"), input: { format: "csv", per: "event" } });
    const aliceRows = parseCsv(await readAll(alice.stream)).slice(1);
    expect(aliceRows.some((r) => r[requestIdColumn] === ids.r4)).toBe(false);
  });

  it("refuses an unknown export granularity", async () => {
    await expectCode(exportAccessHistory({ ctx: as("carol"), input: { format: "csv", per: "row" } }), "VALIDATION");
  });

  it("refuses an unknown format", async () => {
    await expectCode(exportAccessHistory({ ctx: as("carol"), input: { format: "xlsx" } }), "VALIDATION");
  });
});

describe("insights", () => {
  const window = { from: "2025-06-01", to: "2025-06-04" };

  it("counts outcomes per day, self-service and time to approve", async () => {
    const insights = await getHistoryInsights({ ctx: as("carol"), input: window });
    expect(insights.perDay.map((d) => d.day)).toEqual(["2025-06-01", "2025-06-02", "2025-06-03", "2025-06-04"]);
    expect(insights.perDay[1]).toMatchObject({ total: 2, granted: 2, selfService: 1 });
    expect(insights.perDay[2]).toMatchObject({ total: 1, denied: 1 });
    expect(insights.perDay[3]).toMatchObject({ total: 1, revoked: 1 });
    expect(insights.totals).toEqual({ requests: 4, selfService: 1, breakGlass: 0 });
    // Approved by a person: r1 after 5 s and r4 after 600 s (r3 was denied, r2 was self-service).
    expect(insights.timeToApprove.approved).toBe(2);
    expect(insights.timeToApprove.p50Seconds).toBeCloseTo(302.5);
    expect(insights.timeToApprove.p90Seconds).toBeCloseTo(540.5);
  });

  it("finds fast approvals with a configurable threshold", async () => {
    const ten = await getHistoryInsights({ ctx: as("carol"), input: window });
    expect(ten.fastApprovals).toMatchObject({
      count: 1,
      approvals: 2,
      byApprover: [{ label: "bob@example.com", count: 1 }],
    });
    expect(ten.fastApprovals.items[0]).toMatchObject({ requestId: ids.r1, seconds: 5 });
    const three = await getHistoryInsights({ ctx: as("carol"), input: { ...window, fast: "3" } });
    expect(three.fastApprovals.count).toBe(0);
  });

  it("finds elevations outside configurable business hours, and what is active now", async () => {
    const utc = await getHistoryInsights({ ctx: as("carol"), input: { from: "2025-06-01", to: "2025-06-10" } });
    expect(utc.offHours).toMatchObject({ count: 1, started: 2 });
    expect(utc.offHours.items[0]).toMatchObject({ requestId: ids.r1, local: "Sat 03:00" });
    // Saturday 03:00 UTC is still Friday 23:00 in New York; with weekends counted it is inside 20:00–24:00.
    const ny = await getHistoryInsights({
      ctx: as("carol"),
      input: {
        from: "2025-06-01",
        to: "2025-06-10",
        tz: "America/New_York",
        hoursFrom: "20:00",
        hoursTo: "24:00",
        days: "1-7",
      },
    });
    expect(ny.offHours.items.map((i) => i.requestId)).toEqual([ids.r2]);
    expect(utc.activeNow.count).toBe(1);
    expect(utc.activeNow.items[0]).toMatchObject({ requestId: ids.r2, accountName: "sandbox-alice" });
  });

  it("ranks accounts, permission sets and requesters", async () => {
    const insights = await getHistoryInsights({ ctx: as("carol"), input: window });
    expect(insights.top.accounts.map((a) => [a.label, a.count])).toEqual([
      ["payments-prod", 2],
      ["data-prod", 2],
      ["sandbox-alice", 1],
    ]);
    expect(insights.top.requesters.map((r) => [r.label, r.count]).sort()).toEqual([
      ["alice@example.com", 2],
      ["erin@example.com", 2],
    ]);
    expect(insights.top.permissionSets.map((p) => p.label).sort()).toEqual(["PowerUser", "ReadOnly"]);
  });
});

describe("integrity", () => {
  it("reports the chain intact with its head, and checks an anchor", async () => {
    const report = await checkAuditIntegrity({ ctx: as("carol"), input: {} });
    expect(report).toMatchObject({ intact: true, problem: null, anchor: null });
    const head = await db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" } });
    expect(report).toMatchObject({
      events: await db.prisma.auditEvent.count(),
      lastSeq: head.seq.toString(),
      lastHash: head.hash,
    });
    const match = await checkAuditIntegrity({
      ctx: as("dave"),
      input: { anchor: `Latest hash (seq ${head.seq}): ${head.hash}` },
    });
    expect(match.anchor).toMatchObject({ status: "match" });
    const rewritten = await checkAuditIntegrity({
      ctx: as("carol"),
      input: { anchor: `${head.seq} ${"ab".repeat(32)}` },
    });
    expect(rewritten.anchor).toMatchObject({ status: "mismatch", actual: head.hash });
    const truncated = await checkAuditIntegrity({ ctx: as("carol"), input: { anchor: `999999 ${head.hash}` } });
    expect(truncated.anchor).toMatchObject({ status: "missing" });
    expect((await checkAuditIntegrity({ ctx: as("carol"), input: { anchor: "nonsense" } })).anchor).toMatchObject({
      status: "unreadable",
    });
  });
});

describe("group membership requests in the export", () => {
  it("lists the groups asked for in the CSV and JSON lines, and names the group on its grant's events", async () => {
    const at = T0 + 20 * 24 * H;
    const request = await db.prisma.accessRequest.create({
      data: {
        requesterId: users.alice!.userId,
        status: "COMPLETED",
        justification: "Rotate the database admin password",
        durationMinutes: 60,
        startsAt: new Date(at),
        endsAt: new Date(at + H),
        createdAt: new Date(at),
        groupTargets: { create: [{ groupName: "prod-db-admins" }] },
      },
      include: { groupTargets: true },
    });
    const groupGrant = await db.prisma.groupGrant.create({
      data: {
        requestId: request.id,
        targetId: request.groupTargets[0]!.id,
        userId: users.alice!.userId,
        groupName: "prod-db-admins",
        status: "REMOVED",
        startsAt: request.startsAt,
        endsAt: request.endsAt,
      },
    });
    await db.prisma.$transaction((tx) =>
      emitAudit(
        tx,
        { type: "system", job: "test" },
        { action: "group_grant.activated", entityType: "group_grant", entityId: groupGrant.id, requestId: request.id },
        new Date(at + 60_000),
      ),
    );
    const from = new Date(at).toISOString();
    const csv = await exportAccessHistory({ ctx: as("carol"), input: { format: "csv", from } });
    const [header, ...rows] = parseCsv(await readAll(csv.stream));
    const row = rows.find((r) => r[header!.indexOf("request_id")] === request.id)!;
    expect(row[header!.indexOf("groups")]).toBe("prod-db-admins");
    expect(row[header!.indexOf("targets")]).toBe("");

    const jsonl = await exportAccessHistory({ ctx: as("carol"), input: { format: "jsonl", from } });
    const line = (await readAll(jsonl.stream))
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((parsed) => parsed.id === request.id)!;
    expect(line).toMatchObject({ targets: [], groups: [{ groupName: "prod-db-admins" }] });

    const events = await exportAccessHistory({ ctx: as("carol"), input: { format: "jsonl", per: "event", from } });
    const grantEvent = (await readAll(events.stream))
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((event) => event.entityId === groupGrant.id);
    expect(grantEvent).toMatchObject({
      action: "group_grant.activated",
      target: "prod-db-admins (Identity Center group)",
    });
  });
});

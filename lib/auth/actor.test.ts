import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { WEB_SESSION_MAX_AGE_MINUTES } from "../domain/device-sign-in";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";

// getActor against a real database: only the request's cookie and headers are faked, and Auth.js is not reachable at all.
const request = vi.hoisted(() => ({ cookie: undefined as string | undefined }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "authjs.session-token" && request.cookie ? { value: request.cookie } : undefined),
  }),
  headers: async () => new Headers({ "user-agent": "vitest", "x-forwarded-for": "10.0.0.9" }),
}));
vi.mock("./auth", () => ({
  sessionCookiesAreSecure: () => false,
  auth: () => {
    throw new Error("getActor must not go through Auth.js's session endpoint");
  },
}));

const { getActor } = await import("./actor");

let db: TestDatabase;
let userId: string;
const MINUTE_MS = 60_000;

async function sessionEnding(token: string, minutesFromNow: number) {
  await db.prisma.session.create({
    data: { sessionToken: token, userId, expires: new Date(Date.now() + minutesFromNow * MINUTE_MS) },
  });
  request.cookie = token;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // getPrisma() keeps its client on globalThis; pointing it at the test database is all getActor needs.
  (globalThis as { portalPrisma?: unknown }).portalPrisma = db.prisma;
  const user = await db.prisma.user.create({
    data: { email: "bob@example.com", name: "Bob", roles: ["APPROVER"], idpGroups: ["approvers"] },
  });
  userId = user.id;
});

afterAll(async () => {
  delete (globalThis as { portalPrisma?: unknown }).portalPrisma;
  await db?.drop();
});

beforeEach(() => {
  request.cookie = undefined;
});

describe("getActor", () => {
  it("signs in the session's user with roles and groups read from the database", async () => {
    await sessionEnding("token-fresh", WEB_SESSION_MAX_AGE_MINUTES);
    expect(await getActor()).toMatchObject({
      type: "user",
      userId,
      email: "bob@example.com",
      roles: ["APPROVER"],
      groups: ["approvers"],
      userAgent: "vitest",
    });
  });

  it("signs nobody in without a cookie or with a token no session has", async () => {
    expect(await getActor()).toBeNull();
    request.cookie = "token-unknown";
    expect(await getActor()).toBeNull();
  });

  it("signs nobody in with an expired session and removes its row", async () => {
    await sessionEnding("token-expired", -1);
    expect(await getActor()).toBeNull();
    expect(await db.prisma.session.findUnique({ where: { sessionToken: "token-expired" } })).toBeNull();
  });

  it("renews a session last renewed more than the update interval ago, to a full lifetime from now", async () => {
    await sessionEnding("token-old", 60);
    const before = Date.now();
    expect(await getActor()).not.toBeNull();
    const row = await db.prisma.session.findUniqueOrThrow({ where: { sessionToken: "token-old" } });
    expect(row.expires.getTime()).toBeGreaterThanOrEqual(before + WEB_SESSION_MAX_AGE_MINUTES * MINUTE_MS);
  });

  it("leaves a recently renewed session's row alone", async () => {
    await sessionEnding("token-recent", WEB_SESSION_MAX_AGE_MINUTES - 1);
    const written = await db.prisma.session.findUniqueOrThrow({ where: { sessionToken: "token-recent" } });
    expect(await getActor()).not.toBeNull();
    const row = await db.prisma.session.findUniqueOrThrow({ where: { sessionToken: "token-recent" } });
    expect([row.expires, row.updatedAt]).toEqual([written.expires, written.updatedAt]);
  });

  it("signs nobody in whose roles were all taken away since sign-in", async () => {
    const user = await db.prisma.user.create({ data: { email: "gone@example.com", roles: [] } });
    await db.prisma.session.create({
      data: { sessionToken: "token-no-roles", userId: user.id, expires: new Date(Date.now() + 3_600_000) },
    });
    request.cookie = "token-no-roles";
    expect(await getActor()).toBeNull();
  });
});

import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogs } from "../testing/captured-log";
import { seedAccount, seedPermissionSet } from "../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../testing/service-harness";
import type { UserActor } from "../services/context";
import { decideDeviceAuthorization } from "../services/devices/decide-device-authorization";
import { createGuessLimiter, GUESS_LIMITS, type DeviceCodeGuessLimiter } from "../services/devices/guess-limiter";
import { revokeApiToken } from "../services/devices/revoke-api-token";
import { sha256 } from "../services/devices/device-secrets";
import { handleDeviceCode, handleDeviceToken } from "./device-endpoints";
import * as endpoints from "./endpoints";
import { handleApiCall, type ApiDeps, type ApiEndpoint } from "./handle-api";
import { apiDocument } from "./openapi";

// Contract tests: every /api/v1 endpoint through the same handler the route files use, against a real database.

const paymentsProd = seedAccount("payments-prod");
const readOnly = seedPermissionSet("ReadOnly");
const powerUser = seedPermissionSet("PowerUser");

const POLICY = `
version: 1
rules:
  - id: payments-readonly
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 480
    approval: { auto: true }
  - id: payments-power
    requesters: { groups: [team-payments, team-data] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 240
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
    extension: { allowed: true, requiresApproval: true }
  - id: payments-admin
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [AdministratorAccess]
    maxDurationMinutes: 60
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
    ticket: { required: true, pattern: "^PAY-[0-9]{1,8}$", hint: "PAY-1234" }
groupRules:
  - id: data-prod-db-admins
    requesters: { groups: [team-data] }
    identityCenterGroups: [prod-db-admins]
    maxDurationMinutes: 120
    ticket: { required: true, pattern: "^INC-[0-9]{1,8}$", hint: "INC-1234" }
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
`;

// The answers' shapes as these tests read them (matchers check the rest).
interface ApiRequestAnswer {
  id: string;
  status: string;
  url: string;
  requester: { email: string };
}
interface ApiAnswer {
  error: { code: string; message: string; fields: Record<string, string> };
  request: ApiRequestAnswer;
  requests: ApiRequestAnswer[];
  targets: unknown[];
  groups: unknown[];
  email: string;
}
interface DeviceStart {
  device_code: string;
  user_code: string;
  verification_uri_complete: string;
}
interface TokenAnswer {
  access_token: string;
  error: string;
}

let harness: ServiceHarness;
let users: Record<string, UserActor>;
let deps: ApiDeps;
let pool: pg.Pool;
let limiter: DeviceCodeGuessLimiter;
const tokens: Record<string, string> = {};
let clock = Date.now();
const now = () => new Date(clock);

function httpRequest(method: string, url: string, init: { token?: string; body?: string; type?: string } = {}) {
  const headers = new Headers({ "x-forwarded-for": "198.51.100.7" });
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set("content-type", init.type ?? "application/json");
  return new Request(`http://portal.test${url}`, { method, headers, body: init.body });
}

async function call<Body>(
  endpoint: ApiEndpoint<Body>,
  token: string | undefined,
  options: { id?: string; body?: unknown; raw?: string; type?: string; query?: string } = {},
) {
  const url = endpoint.path.replace("{id}", options.id ?? "") + (options.query ? `?${options.query}` : "");
  const body = options.raw ?? (endpoint.method === "POST" ? JSON.stringify(options.body ?? {}) : undefined);
  const response = await handleApiCall(
    endpoint,
    deps,
    httpRequest(endpoint.method, url, { token, body, type: options.type }),
    options.id ? { id: options.id } : {},
  );
  return { status: response.status, json: (await response.json()) as ApiAnswer };
}

async function startDevice(deviceName = "laptop-1") {
  const response = await handleDeviceCode(
    deps,
    httpRequest("POST", "/api/v1/device/code", {
      body: JSON.stringify({ client_id: "jit-cli", device_name: deviceName }),
    }),
  );
  return { status: response.status, json: (await response.json()) as DeviceStart };
}

async function poll(deviceCode: string, form = false) {
  const fields = {
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    device_code: deviceCode,
    client_id: "jit-cli",
  };
  const response = await handleDeviceToken(
    deps,
    httpRequest("POST", "/api/v1/device/token", {
      body: form ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
      type: form ? "application/x-www-form-urlencoded" : "application/json",
    }),
  );
  return { status: response.status, json: (await response.json()) as TokenAnswer };
}

const ctxFor = (actor: UserActor) => ({ actor: { ...actor, ip: "198.51.100.7" }, db: harness.db.prisma, now });

/** The whole device flow: code, approval on the page's verb, then the poll that yields the token. */
async function signIn(key: string, deviceName = `${key}-laptop`): Promise<string> {
  const started = await startDevice(deviceName);
  await decideDeviceAuthorization({
    ctx: ctxFor(users[key]!),
    input: { userCode: started.json.user_code, decision: "APPROVE" },
    limiter,
  });
  const answer = await poll(started.json.device_code);
  expect(answer.status).toBe(200);
  return answer.json.access_token as string;
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: POLICY, systemJob: "api-contract" });
  users = harness.users;
  deps = {
    db: harness.db.prisma,
    queue: async () => harness.queue,
    now,
    appUrl: "http://portal.test",
    tokenTtlMinutes: 480,
  };
  pool = new pg.Pool({ connectionString: harness.db.url, max: 2 });
  limiter = createGuessLimiter(pool);
  for (const key of ["alice", "erin", "frank", "bob", "carol", "dave"]) tokens[key] = await signIn(key);
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await harness?.stop();
});

describe("device sign-in (RFC 8628)", () => {
  it("hands out a code pair, answers pending then slow_down, issues one token after approval and never again", async () => {
    const started = await startDevice("build-box");
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({
      verification_uri: "http://portal.test/device",
      expires_in: 600,
      interval: 5,
    });
    expect(started.json.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.json.verification_uri_complete).toBe(`http://portal.test/device?code=${started.json.user_code}`);
    expect((await poll(started.json.device_code)).json.error).toBe("authorization_pending");
    expect((await poll(started.json.device_code, true)).json.error).toBe("slow_down");
    await decideDeviceAuthorization({
      ctx: ctxFor(users.alice!),
      input: { userCode: started.json.user_code.toLowerCase(), decision: "APPROVE" },
      limiter,
    });
    const issued = await poll(started.json.device_code, true);
    expect(issued).toMatchObject({ status: 200, json: { token_type: "Bearer", expires_in: 480 * 60 } });
    expect(issued.json.access_token).toMatch(/^jit_[A-Za-z0-9_-]{43}$/);
    expect(await poll(started.json.device_code)).toMatchObject({ status: 400, json: { error: "invalid_grant" } });
    const stored = await harness.db.prisma.apiToken.findUniqueOrThrow({
      where: { tokenHash: sha256(issued.json.access_token) },
    });
    expect(stored).toMatchObject({ userId: users.alice!.userId, deviceName: "build-box" });
    const me = await call(endpoints.meEndpoint, issued.json.access_token);
    expect(me).toMatchObject({ status: 200, json: { email: "alice@example.com", roles: ["REQUESTER"] } });
  });

  it("answers access_denied to a denied code and expired_token after ten minutes", async () => {
    const denied = await startDevice("denied-box");
    await decideDeviceAuthorization({
      ctx: ctxFor(users.erin!),
      input: { userCode: denied.json.user_code, decision: "DENY" },
      limiter,
    });
    expect((await poll(denied.json.device_code)).json.error).toBe("access_denied");
    const late = await startDevice("late-box");
    clock += 601_000;
    try {
      expect((await poll(late.json.device_code)).json.error).toBe("expired_token");
      await expect(
        decideDeviceAuthorization({
          ctx: ctxFor(users.erin!),
          input: { userCode: late.json.user_code, decision: "APPROVE" },
          limiter,
        }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    } finally {
      clock -= 601_000;
    }
    clock += 2 * 3_600_000;
    try {
      await startDevice("next-day-box");
      const stale = await harness.db.prisma.deviceAuthorization.count({ where: { deviceName: "late-box" } });
      expect(stale, "rows long expired are dropped").toBe(0);
    } finally {
      clock -= 2 * 3_600_000;
    }
  });

  it("refuses bad bodies in our shape and unknown grants in the RFC's", async () => {
    const bad = await handleDeviceCode(deps, httpRequest("POST", "/api/v1/device/code", { body: "{nope" }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "VALIDATION" } });
    const wrongClient = await handleDeviceCode(
      deps,
      httpRequest("POST", "/api/v1/device/code", { body: JSON.stringify({ client_id: "other", device_name: "x" }) }),
    );
    expect(await wrongClient.json()).toMatchObject({
      error: { code: "VALIDATION", fields: { client_id: expect.any(String) } },
    });
    expect((await poll("not-a-code")).json.error).toBe("invalid_grant");
    const noGrant = await handleDeviceToken(deps, httpRequest("POST", "/api/v1/device/token", { body: "{}" }));
    expect(await noGrant.json()).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("limits user-code guessing per person: past the limit even the right code is refused, and the refusal is audited", async () => {
    const target = await startDevice("victim-box");
    const guesser = users.grace!;
    for (let i = 0; i < GUESS_LIMITS.perUser.points; i++)
      await expect(
        decideDeviceAuthorization({
          ctx: ctxFor(guesser),
          input: { userCode: "BBBB-BBBB", decision: "APPROVE" },
          limiter,
        }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      decideDeviceAuthorization({
        ctx: ctxFor(guesser),
        input: { userCode: target.json.user_code, decision: "APPROVE" },
        limiter,
      }),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect((await poll(target.json.device_code)).json.error).toBe("authorization_pending");
    const refusal = await harness.db.prisma.auditEvent.findFirst({
      where: { action: "access.refused", actorId: guesser.userId },
      orderBy: { seq: "desc" },
    });
    expect(refusal?.after).toMatchObject({ verb: "device.authorize", code: "RATE_LIMITED" });
    // Someone else is not held back by grace's guesses.
    await decideDeviceAuthorization({
      ctx: ctxFor(users.dave!),
      input: { userCode: target.json.user_code, decision: "DENY" },
      limiter,
    });
  });

  it("limits guessing per address across people", async () => {
    const ctx = (key: string) => ({ ...ctxFor(users[key]!), actor: { ...users[key]!, ip: "203.0.113.50" } });
    let refused = 0;
    for (let i = 0; i < GUESS_LIMITS.perIp.points + 1; i++) {
      const key = ["alice", "erin", "frank", "bob"][i % 4]!;
      const error = await decideDeviceAuthorization({
        ctx: ctx(key),
        input: { userCode: "CCCC-CCCC", decision: "APPROVE" },
        limiter,
      }).catch((e: { code: string }) => e);
      if ((error as { code: string }).code === "RATE_LIMITED") refused++;
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe("bearer tokens", () => {
  it("refuses a missing, unknown, revoked or expired token with 401 and 'run jit login', and audits it", async () => {
    const revoked = await signIn("erin", "old-laptop");
    const row = await harness.db.prisma.apiToken.findUniqueOrThrow({ where: { tokenHash: sha256(revoked) } });
    await revokeApiToken({ ctx: ctxFor(users.erin!), input: { tokenId: row.id } });
    const expiring = await signIn("erin", "short-lived");
    for (const token of [undefined, "jit_unknown", "not-even-a-jit-token", revoked]) {
      const answer = await call(endpoints.meEndpoint, token);
      expect(answer).toMatchObject({ status: 401, json: { error: { code: "UNAUTHENTICATED" } } });
      expect(answer.json.error.message).toContain("run jit login");
    }
    clock += 480 * 60_000 + 1000;
    try {
      expect((await call(endpoints.meEndpoint, expiring)).status).toBe(401);
    } finally {
      clock -= 480 * 60_000 + 1000;
    }
    const refusal = await harness.db.prisma.auditEvent.findFirst({
      where: { action: "access.refused", actorType: "ANONYMOUS", userAgent: "api" },
    });
    expect(refusal?.after).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("lets only the owner or an admin revoke a token; others get NOT_FOUND", async () => {
    const token = await signIn("alice", "shared-box");
    const row = await harness.db.prisma.apiToken.findUniqueOrThrow({ where: { tokenHash: sha256(token) } });
    await expect(revokeApiToken({ ctx: ctxFor(users.erin!), input: { tokenId: row.id } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await revokeApiToken({ ctx: ctxFor(users.dave!), input: { tokenId: row.id } });
    expect((await call(endpoints.meEndpoint, token)).status).toBe(401);
    const audit = await harness.db.prisma.auditEvent.findFirst({
      where: { action: "device.token_revoked", entityId: row.id },
    });
    expect(audit?.actorLabel).toBe("dave@example.com");
  });
});

describe("signing a device out from the device itself", () => {
  it("revokes exactly the calling token, audited as the owner's; the same user's other device keeps working", async () => {
    const laptop = await signIn("alice", "laptop");
    const desktop = await signIn("alice", "desktop");
    const answer = await call(endpoints.signOutEndpoint, laptop);
    expect(answer).toMatchObject({ status: 200, json: { signedOut: "laptop" } });
    expect((await call(endpoints.meEndpoint, laptop)).status).toBe(401);
    expect((await call(endpoints.meEndpoint, desktop)).status).toBe(200);
    const row = await harness.db.prisma.apiToken.findUniqueOrThrow({ where: { tokenHash: sha256(laptop) } });
    const audit = await harness.db.prisma.auditEvent.findFirst({
      where: { action: "device.token_revoked", entityId: row.id },
    });
    expect(audit).toMatchObject({ actorLabel: "alice@example.com", userAgent: "api" });
    // Signing out twice is a plain 401: the token no longer exists for the API.
    expect((await call(endpoints.signOutEndpoint, laptop)).status).toBe(401);
  });
});

describe("routes and personas", () => {
  let pendingId: string;

  it("GET /me answers each persona's own identity and roles", async () => {
    for (const key of ["alice", "bob", "carol", "dave"]) {
      const me = await call(endpoints.meEndpoint, tokens[key]);
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ id: users[key]!.userId, email: users[key]!.email, roles: users[key]!.roles });
    }
  });

  it("GET /targets lists what the caller may request; an auditor is FORBIDDEN", async () => {
    const alice = await call(endpoints.targetsEndpoint, tokens.alice);
    expect(alice.status).toBe(200);
    expect(alice.json.targets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          accountId: paymentsProd.id,
          permissionSetName: "ReadOnly",
          approval: "auto",
          ticketRequired: false,
          maxDurationMinutes: 480,
        }),
        expect.objectContaining({
          accountId: paymentsProd.id,
          permissionSetName: "PowerUser",
          approval: "required",
          maxDurationMinutes: 240,
        }),
        // The policy's example, not its regular expression.
        expect.objectContaining({
          permissionSetName: "AdministratorAccess",
          ticketRequired: true,
          ticketHint: "PAY-1234",
        }),
      ]),
    );
    expect((await call(endpoints.targetsEndpoint, tokens.carol)).status).toBe(403);
  });

  it("POST /requests creates through the verb (201), audited on the api channel; policy refusals are 422 with the reason", async () => {
    const created = await call(endpoints.createRequestEndpoint, tokens.alice, {
      body: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        justification: "Investigating INC-42 from the API",
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.request).toMatchObject({
      status: "PENDING",
      version: expect.any(Number),
      requester: { email: "alice@example.com" },
      durationMinutes: 60,
      targets: [{ accountId: paymentsProd.id, permissionSetName: "PowerUser", grantStatus: null }],
      approvals: 0,
      requiredApprovals: 1,
    });
    pendingId = created.json.request.id;
    expect(created.json.request.url).toBe(`http://portal.test/requests/${pendingId}`);
    const audit = await harness.db.prisma.auditEvent.findFirst({
      where: { action: "request.created", requestId: pendingId },
    });
    expect(audit).toMatchObject({ actorLabel: "alice@example.com", userAgent: "api", ip: "198.51.100.7" });

    const notEligible = await call(endpoints.createRequestEndpoint, tokens.erin, {
      body: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
        durationMinutes: 60,
        justification: "Erin is not in team-payments",
      },
    });
    expect(notEligible).toMatchObject({ status: 422, json: { error: { code: "POLICY_DENIED" } } });
    expect(notEligible.json.error.message).not.toBe("");
    expect((await call(endpoints.createRequestEndpoint, tokens.carol, { body: {} })).status).toBe(403);
  });

  it("never answers 500 to a bad body: non-JSON, wrong types, arrays, deep nesting, over 64 KiB", async () => {
    const create = endpoints.createRequestEndpoint;
    const cases: [string, { raw?: string; body?: unknown; type?: string }, number][] = [
      ["not json", { raw: "durationMinutes=60&{" }, 400],
      ["text/plain garbage", { raw: "\u0000\u0001", type: "text/plain" }, 400],
      ["array", { raw: "[1,2]" }, 400],
      ["null", { raw: "null" }, 400],
      ["wrong types", { body: { targets: "all", durationMinutes: "lots", justification: 5 } }, 400],
      ["deep", { raw: `${"[".repeat(5000)}${"]".repeat(5000)}` }, 400],
      ["huge", { raw: JSON.stringify({ justification: "x".repeat(70 * 1024) }) }, 413],
      [
        "bad target arn",
        {
          body: {
            targets: [{ accountId: "1", permissionSetArn: "x" }],
            durationMinutes: 60,
            justification: "long enough reason",
          },
        },
        400,
      ],
    ];
    for (const [name, options, status] of cases) {
      const answer = await call(create, tokens.alice, options);
      expect(answer.status, name).toBe(status);
      expect(answer.json.error.code, name).toBe("VALIDATION");
      expect(typeof answer.json.error.message, name).toBe("string");
    }
    const typed = await call(create, tokens.alice, {
      body: { targets: "all", durationMinutes: "lots", justification: 5 },
    });
    expect(Object.keys(typed.json.error.fields)).toEqual(
      expect.arrayContaining(["targets", "durationMinutes", "justification"]),
    );
    const extend = await call(endpoints.extendEndpoint, tokens.alice, { id: pendingId, body: { minutes: "soon" } });
    expect(extend.json.error.fields).toHaveProperty("minutes");
  });

  it("GET /requests/{id}: the requester and privileged readers see it; another requester gets NOT_FOUND", async () => {
    expect((await call(endpoints.getRequestEndpoint, tokens.alice, { id: pendingId })).status).toBe(200);
    expect((await call(endpoints.getRequestEndpoint, tokens.bob, { id: pendingId })).status).toBe(200);
    expect((await call(endpoints.getRequestEndpoint, tokens.carol, { id: pendingId })).status).toBe(200);
    const erin = await call(endpoints.getRequestEndpoint, tokens.erin, { id: pendingId });
    expect(erin).toMatchObject({ status: 404, json: { error: { code: "NOT_FOUND" } } });
    for (const endpoint of [endpoints.cancelEndpoint, endpoints.releaseEndpoint])
      expect((await call(endpoint, tokens.erin, { id: pendingId })).status).toBe(404);
    expect(
      (
        await call(endpoints.extendEndpoint, tokens.erin, {
          id: pendingId,
          body: { minutes: 30, justification: "more time please" },
        })
      ).status,
    ).toBe(404);
    expect((await call(endpoints.getRequestEndpoint, tokens.alice, { id: "no-such-request" })).status).toBe(404);
  });

  it("GET /requests lists only mine, filtered by status", async () => {
    const mine = await call(endpoints.listRequestsEndpoint, tokens.alice, { query: "status=PENDING" });
    expect(mine.status).toBe(200);
    expect(mine.json.requests.map((r: { id: string }) => r.id)).toContain(pendingId);
    expect(
      mine.json.requests.every((r: { requester: { email: string } }) => r.requester.email === "alice@example.com"),
    ).toBe(true);
    expect((await call(endpoints.listRequestsEndpoint, tokens.erin)).json.requests).toEqual([]);
    expect((await call(endpoints.listRequestsEndpoint, tokens.alice, { query: "status=NOPE" })).status).toBe(400);
  });

  it("GET /approvals is the approver's queue; a requester is FORBIDDEN", async () => {
    const queue = await call(endpoints.approvalsEndpoint, tokens.bob);
    expect(queue.status).toBe(200);
    expect(queue.json.requests.map((r: { id: string }) => r.id)).toContain(pendingId);
    expect((await call(endpoints.approvalsEndpoint, tokens.alice)).status).toBe(403);
  });

  it("the requester cannot approve their own request through the API", async () => {
    const own = await call(endpoints.createRequestEndpoint, tokens.frank, {
      body: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 30,
        justification: "Frank needs PowerUser for a deploy",
      },
    });
    expect(own.status).toBe(201);
    const self = await call(endpoints.approveEndpoint, tokens.frank, { id: own.json.request.id, body: {} });
    expect(self).toMatchObject({ status: 403, json: { error: { code: "SELF_APPROVAL" } } });
    expect((await call(endpoints.approveEndpoint, tokens.alice, { id: own.json.request.id, body: {} })).status).toBe(
      403,
    );
    expect((await call(endpoints.denyEndpoint, tokens.bob, { id: own.json.request.id, body: {} })).status).toBe(400);
    const denied = await call(endpoints.denyEndpoint, tokens.bob, {
      id: own.json.request.id,
      body: { comment: "Use the staging account." },
    });
    expect(denied).toMatchObject({ status: 200, json: { request: { status: "DENIED" } } });
  });

  it("POST approve by a routed approver approves; a second decision is INVALID_TRANSITION", async () => {
    const approved = await call(endpoints.approveEndpoint, tokens.bob, { id: pendingId, body: { comment: "ok" } });
    expect(approved).toMatchObject({
      status: 200,
      json: { request: { id: pendingId, status: "APPROVED", approvals: 1 } },
    });
    const again = await call(endpoints.approveEndpoint, tokens.dave, { id: pendingId, body: {} });
    expect(again.status).toBe(409);
    const audit = await harness.db.prisma.auditEvent.findFirst({
      where: { action: "request.approved", requestId: pendingId },
    });
    expect(audit).toMatchObject({ actorLabel: "bob@example.com", userAgent: "api" });
  });

  it("cancel, release and extend run the requester's verbs", async () => {
    const created = await call(endpoints.createRequestEndpoint, tokens.alice, {
      body: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
        durationMinutes: 60,
        justification: "Reading payment logs later today",
        startsAt: new Date(clock + 3 * 3600_000).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    const id = created.json.request.id as string;
    const extend = await call(endpoints.extendEndpoint, tokens.alice, {
      id,
      body: { minutes: 30, justification: "more time please" },
    });
    expect(extend).toMatchObject({ status: 422, json: { error: { code: "POLICY_DENIED" } } });
    const cancelled = await call(endpoints.cancelEndpoint, tokens.alice, { id });
    expect(cancelled).toMatchObject({ status: 200, json: { request: { id, status: "CANCELLED" } } });
    expect((await call(endpoints.releaseEndpoint, tokens.alice, { id })).status).toBe(409);
  });

  it("GET /history: auditors see everyone's, a requester only their own", async () => {
    const carol = await call(endpoints.historyEndpoint, tokens.carol, {
      query: `account=${paymentsProd.id}&limit=100`,
    });
    expect(carol.status).toBe(200);
    const emails = new Set(carol.json.requests.map((r: { requester: { email: string } }) => r.requester.email));
    expect(emails).toEqual(new Set(["alice@example.com", "frank@example.com"]));
    const erin = await call(endpoints.historyEndpoint, tokens.erin);
    expect(erin).toMatchObject({ status: 200, json: { requests: [] } });
    const backwards = await call(endpoints.historyEndpoint, tokens.carol, { query: "from=2030-01-02&to=2030-01-01" });
    expect(backwards.status).toBe(400);
  });

  it("another user's token acts as that user, never as the caller it was taken from", async () => {
    const erinsView = await call(endpoints.getRequestEndpoint, tokens.erin, { id: pendingId });
    expect(erinsView.status).toBe(404);
    expect((await call(endpoints.meEndpoint, tokens.erin)).json.email).toBe("erin@example.com");
  });
});

describe("secrets", () => {
  it("never writes a token, device code or user code to the log or the audit trail", async () => {
    const logs = captureLogs();
    let secrets: string[] = [];
    try {
      const started = await startDevice("secret-box");
      await poll(started.json.device_code);
      await decideDeviceAuthorization({
        ctx: ctxFor(users.bob!),
        input: { userCode: started.json.user_code, decision: "APPROVE" },
        limiter,
      });
      const token = (await poll(started.json.device_code)).json.access_token as string;
      await call(endpoints.meEndpoint, token);
      await call(endpoints.approveEndpoint, token, { id: "missing", body: { comment: token } });
      await call(endpoints.meEndpoint, `${token}x`);
      secrets = [token, started.json.device_code, started.json.user_code, started.json.user_code.replace("-", "")];
    } finally {
      logs.restore();
    }
    const audit = JSON.stringify(await harness.db.prisma.auditEvent.findMany(), (_, v: unknown) =>
      typeof v === "bigint" ? String(v) : v,
    );
    const stored = JSON.stringify([
      await harness.db.prisma.apiToken.findMany(),
      await harness.db.prisma.deviceAuthorization.findMany(),
    ]);
    expect(secrets).toHaveLength(4);
    for (const secret of secrets) {
      expect(logs.text()).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
  });
});

describe("Identity Center group targets", () => {
  it("GET /targets lists the groups the caller may join; POST /requests asks for one; approval shows its grant", async () => {
    const erin = await call(endpoints.targetsEndpoint, tokens.erin);
    expect(erin.json.groups).toEqual([
      {
        name: "prod-db-admins",
        label: 'membership of Identity Center group "prod-db-admins"',
        maxDurationMinutes: 120,
        approval: "required",
        ticketRequired: true,
        ticketHint: "INC-1234",
      },
    ]);
    expect((await call(endpoints.targetsEndpoint, tokens.alice)).json.groups).toEqual([]);

    const created = await call(endpoints.createRequestEndpoint, tokens.erin, {
      body: {
        groups: ["prod-db-admins"],
        durationMinutes: 60,
        ticket: "INC-9",
        justification: "Rebuilding the orders index from the API",
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.request).toMatchObject({
      status: "PENDING",
      targets: [],
      groups: [
        { name: "prod-db-admins", label: 'membership of Identity Center group "prod-db-admins"', grantStatus: null },
      ],
    });
    const id = created.json.request.id;
    expect(
      (await call(endpoints.approvalsEndpoint, tokens.bob)).json.requests.some((request) => request.id === id),
    ).toBe(true);
    const approved = await call(endpoints.approveEndpoint, tokens.bob, { id, body: {} });
    expect(approved.json.request).toMatchObject({
      status: "APPROVED",
      groups: [{ name: "prod-db-admins", grantStatus: "SCHEDULED" }],
    });
    await call(endpoints.releaseEndpoint, tokens.erin, { id });
  });

  it("refuses accounts and groups together (400 with both fields) and a group no rule names (422)", async () => {
    const both = await call(endpoints.createRequestEndpoint, tokens.erin, {
      body: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        groups: ["prod-db-admins"],
        durationMinutes: 60,
        ticket: "INC-9",
        justification: "Both kinds in one request",
      },
    });
    expect(both).toMatchObject({
      status: 400,
      json: {
        error: {
          code: "VALIDATION",
          fields: {
            targets: "Pick accounts and permission sets, or Identity Center groups, not both.",
            groups: "Pick accounts and permission sets, or Identity Center groups, not both.",
          },
        },
      },
    });
    const unknown = await call(endpoints.createRequestEndpoint, tokens.erin, {
      body: { groups: ["prod-db-admin"], durationMinutes: 60, justification: "A group the policy does not name" },
    });
    expect(unknown).toMatchObject({ status: 422, json: { error: { code: "POLICY_DENIED" } } });
  });
});

describe("OpenAPI", () => {
  const document = apiDocument("http://portal.test");

  it("documents every route file under app/api/v1 with each method it exports", () => {
    const root = path.join(process.cwd(), "app/api/v1");
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        // The catch-all only answers unknown paths with a JSON 404; it is no route of the API.
        if (entry.isDirectory() && entry.name !== "[...path]") walk(full);
        else if (entry.name === "route.ts") {
          const route = `/api/v1/${path.relative(root, dir)}`.replace(/\[(\w+)\]/g, "{$1}");
          const source = fs.readFileSync(full, "utf8");
          for (const [, method] of source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE) =/gm))
            found.push(`${method} ${route}`);
        }
      }
    };
    walk(root);
    expect(found.length).toBeGreaterThanOrEqual(15);
    for (const entry of found) {
      const [method, route] = entry.split(" ") as [string, string];
      expect(document.paths?.[route]?.[method.toLowerCase() as "get"], entry).toBeDefined();
    }
  });

  it("is OpenAPI 3.1 with the shared error shape, bearer security and unique operation ids", () => {
    const ids = Object.values(document.paths ?? {}).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain("postRequestsByIdApprove");
    expect(document.openapi).toBe("3.1.0");
    expect(document.components?.schemas).toHaveProperty("Error");
    expect(document.components?.schemas).toHaveProperty("Request");
    expect(document.components?.schemas).toHaveProperty("GroupTarget");
    const create = document.components?.schemas?.CreateRequest as { properties?: Record<string, unknown> };
    expect(Object.keys(create.properties ?? {})).toEqual(expect.arrayContaining(["targets", "groups"]));
    expect(document.components?.securitySchemes).toHaveProperty("bearer");
  });
});

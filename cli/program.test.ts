import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeCredentials } from "./config";
import { runCli, type CliDeps } from "./program";

const PORTAL = "http://portal.test";
const TOKEN = "jit_secret_token_value_1234567890";
const NOW = new Date("2026-12-05T10:00:00Z");

const TARGETS = [
  {
    accountId: "650432198765",
    accountName: "sandbox-alice",
    permissionSetName: "ReadOnly",
    permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
    maxDurationMinutes: 480,
    approval: "auto",
    ticketRequired: false,
  },
  {
    accountId: "210987654321",
    accountName: "payments-prod",
    permissionSetName: "PowerUser",
    permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-2",
    maxDurationMinutes: 240,
    approval: "required",
    ticketRequired: true,
    ticketHint: "PAY-123",
  },
];

const requestView = (status: string, grantStatus: string | null) => ({
  id: "req1",
  status,
  version: 1,
  requester: { email: "alice@example.com", name: "Alice" },
  createdAt: "2026-12-05T09:59:00.000Z",
  closeReason: null,
  startsAt: "2026-12-05T10:00:00.000Z",
  endsAt: "2026-12-05T11:00:00.000Z",
  durationMinutes: 60,
  justification: "debugging",
  ticket: null,
  targets: [{ ...TARGETS[0], grantStatus }],
  approvals: 0,
  requiredApprovals: 0,
  url: `${PORTAL}/requests/req1`,
});

type Route = (init: RequestInit | undefined) => { status: number; body: unknown };

let dir: string;
let stdout: string;
let stderr: string;
let calls: { method: string; path: string; body?: string; authorization?: string }[];
let routes: Record<string, Route | Route[]>;
let clock: number;

function deps(): CliDeps {
  return {
    env: { JIT_CONFIG_DIR: path.join(dir, "jit"), AWS_CONFIG_FILE: path.join(dir, "aws-config"), HOME: dir },
    io: { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) },
    now: () => new Date(clock),
    sleep: async (ms) => void (clock += ms),
    openBrowser: () => undefined,
    hostname: () => "test-laptop",
    fetch: async (input, init) => {
      const url = new URL(String(input));
      const key = `${init?.method ?? "GET"} ${url.pathname}`;
      const headers = new Headers(init?.headers);
      calls.push({
        method: init?.method ?? "GET",
        path: url.pathname,
        body: init?.body === undefined ? undefined : String(init.body),
        authorization: headers.get("authorization") ?? undefined,
      });
      const route = routes[key];
      const handler = Array.isArray(route) ? (route.length > 1 ? route.shift() : route[0]) : route;
      if (!handler) return Response.json({ error: { code: "NOT_FOUND", message: "Not found." } }, { status: 404 });
      const answer = handler(init);
      return Response.json(answer.body, { status: answer.status });
    },
  };
}

const run = (...argv: string[]) => runCli(["--portal", PORTAL, ...argv], deps());
const signIn = (expiresAt = "2026-12-05T18:00:00.000Z") =>
  writeCredentials(deps().env, { portal: PORTAL, accessToken: TOKEN, expiresAt, deviceName: "test-laptop" });
const ok = (body: unknown) => () => ({ status: 200, body });
const apiError = (status: number, code: string, message: string) => () => ({
  status,
  body: { error: { code, message } },
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "jit-cli-"));
  stdout = "";
  stderr = "";
  calls = [];
  routes = { "GET /api/v1/targets": ok({ targets: TARGETS }) };
  clock = NOW.getTime();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("jit login", () => {
  it("prints the address and code, stores the token owner-only and never prints it", async () => {
    routes["POST /api/v1/device/code"] = ok({
      device_code: "device-secret",
      user_code: "WDJB-MJHT",
      verification_uri: `${PORTAL}/device`,
      verification_uri_complete: `${PORTAL}/device?code=WDJB-MJHT`,
      expires_in: 600,
      interval: 5,
    });
    routes["POST /api/v1/device/token"] = [
      () => ({ status: 400, body: { error: "authorization_pending" } }),
      ok({ access_token: TOKEN, token_type: "Bearer", expires_in: 28_800 }),
    ];
    routes["GET /api/v1/me"] = ok({ id: "u1", email: "alice@example.com", name: "Alice", roles: ["REQUESTER"] });

    expect(await run("login")).toBe(0);
    expect(stdout).toContain(`open ${PORTAL}/device and enter the code WDJB-MJHT`);
    expect(stdout).toContain("Signed in to http://portal.test as alice@example.com, until 2026-12-05 18:00 UTC.");
    expect(new URLSearchParams(calls[0]!.body).get("device_name")).toBe("test-laptop");
    const file = path.join(dir, "jit", "credentials.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).accessToken).toBe(TOKEN);
    expect(calls.at(-1)!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(stdout + stderr).not.toContain(TOKEN);
    expect(stdout + stderr).not.toContain("device-secret");
  });

  it("says the sign-in was denied with exit code 4", async () => {
    routes["POST /api/v1/device/code"] = ok({
      device_code: "d",
      user_code: "WDJB-MJHT",
      verification_uri: `${PORTAL}/device`,
      verification_uri_complete: `${PORTAL}/device?code=WDJB-MJHT`,
      expires_in: 600,
      interval: 5,
    });
    routes["POST /api/v1/device/token"] = () => ({ status: 400, body: { error: "access_denied" } });
    expect(await run("login")).toBe(4);
    expect(stderr).toContain("jit: The sign-in was denied in the browser.");
    expect(fs.existsSync(path.join(dir, "jit", "credentials.json"))).toBe(false);
  });
});

describe("signed out, expired or revoked", () => {
  it("without a token says run jit login (exit 3) and calls nobody", async () => {
    expect(await run("targets")).toBe(3);
    expect(stderr).toBe("jit: You are not signed in to http://portal.test. Run jit login.\n");
    expect(calls).toEqual([]);
  });

  it("with an expired token says run jit login (exit 3) and calls nobody", async () => {
    signIn("2026-12-05T09:59:00.000Z");
    expect(await run("status")).toBe(3);
    expect(stderr).toContain("expired at 2026-12-05 09:59 UTC. Run jit login.");
    expect(calls).toEqual([]);
  });

  it("with a token the portal revoked passes on the portal's message (exit 3)", async () => {
    signIn();
    routes["GET /api/v1/me"] = apiError(
      401,
      "UNAUTHENTICATED",
      "Your sign-in has expired or was revoked; run jit login.",
    );
    expect(await run("whoami")).toBe(3);
    expect(stderr).toBe("jit: Your sign-in has expired or was revoked; run jit login.\n");
  });

  it("logout ends the token at the portal with that token, then deletes the token file", async () => {
    signIn();
    routes["POST /api/v1/device/sign-out"] = ok({ signedOut: "test-laptop" });
    expect(await run("logout")).toBe(0);
    expect(calls).toEqual([
      expect.objectContaining({ path: "/api/v1/device/sign-out", authorization: `Bearer ${TOKEN}` }),
    ]);
    expect(stdout).toContain("the token no longer works");
    expect(fs.existsSync(path.join(dir, "jit", "credentials.json"))).toBe(false);
    expect(await run("whoami")).toBe(3);
  });

  it("logout still deletes the token file when the portal cannot be reached, and says the token lives on", async () => {
    signIn();
    routes["POST /api/v1/device/sign-out"] = () => {
      throw new TypeError("fetch failed");
    };
    expect(await run("logout")).toBe(0);
    expect(stdout).toContain("stays valid until");
    expect(stdout).toContain(`${PORTAL}/devices`);
    expect(stdout).not.toContain(TOKEN);
    expect(fs.existsSync(path.join(dir, "jit", "credentials.json"))).toBe(false);
  });
});

describe("jit request", () => {
  beforeEach(() => {
    signIn();
  });

  it("suggests a close account name and sends nothing (exit 2)", async () => {
    expect(
      await run(
        "request",
        "--account",
        "sandbox-alcie",
        "--permission-set",
        "ReadOnly",
        "--for",
        "1h",
        "--reason",
        "x",
      ),
    ).toBe(2);
    expect(stderr).toContain('any account named "sandbox-alcie". Did you mean sandbox-alice?');
    expect(calls.map((call) => call.method)).toEqual(["GET"]);
  });

  it("refuses a bad duration before calling the portal (exit 2)", async () => {
    expect(
      await run(
        "request",
        "--account",
        "sandbox-alice",
        "--permission-set",
        "ReadOnly",
        "--for",
        "1.5h",
        "--reason",
        "x",
      ),
    ).toBe(2);
    expect(stderr).toContain('"1.5h" is not a duration');
    expect(calls).toEqual([]);
  });

  it("prints the policy's reason when the policy refuses (exit 4)", async () => {
    routes["POST /api/v1/requests"] = apiError(
      422,
      "POLICY_DENIED",
      "PowerUser on payments-prod needs a ticket such as PAY-123.",
    );
    expect(
      await run(
        "request",
        "--account",
        "payments-prod",
        "--permission-set",
        "PowerUser",
        "--for",
        "1h",
        "--reason",
        "x",
      ),
    ).toBe(4);
    expect(stderr).toBe("jit: PowerUser on payments-prod needs a ticket such as PAY-123.\n");
  });

  it("names the flag to fix when the portal refuses a field (exit 2)", async () => {
    routes["POST /api/v1/requests"] = () => ({
      status: 400,
      body: {
        error: {
          code: "VALIDATION",
          message: "Some fields need attention.",
          fields: {
            durationMinutes: "The policy allows at most 4 h for this access.",
            ticket: "A ticket is required.",
          },
        },
      },
    });
    const args = ["--account", "payments-prod", "--permission-set", "PowerUser", "--for", "5h", "--reason", "x"];
    expect(await run("request", ...args)).toBe(2);
    expect(stderr).toBe(
      "jit: Some fields need attention.\n  --for: The policy allows at most 4 h for this access.\n  --ticket: A ticket is required.\n",
    );
  });

  it("sends the resolved target, minutes, reason, ticket and start", async () => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: requestView("PENDING", null) } });
    expect(
      await run(
        "request",
        "--account",
        "210987654321",
        "--permission-set",
        "poweruser",
        "--for",
        "1h30m",
        "--reason",
        "deploy",
        "--ticket",
        "PAY-7",
        "--start",
        "+2h",
      ),
    ).toBe(0);
    expect(JSON.parse(calls[1]!.body!)).toEqual({
      targets: [{ accountId: "210987654321", permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-2" }],
      durationMinutes: 90,
      justification: "deploy",
      ticket: "PAY-7",
      startsAt: "2026-12-05T12:00:00.000Z",
    });
    expect(stdout).toContain("Request req1 is PENDING.");
  });

  it("with --wait shows progress until the grant is active, then writes the profile and prints the next step", async () => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: requestView("APPROVED", "SCHEDULED") } });
    routes["GET /api/v1/requests/req1"] = [
      ok({ request: requestView("APPROVED", "PROVISIONING") }),
      ok({ request: requestView("APPROVED", "PROVISIONING") }),
      ok({ request: requestView("ACTIVE", "ACTIVE") }),
    ];
    const args = [
      "request",
      "--account",
      "sandbox-alice",
      "--permission-set",
      "ReadOnly",
      "--for",
      "1h",
      "--reason",
      "x",
    ];
    const code = await run(
      ...args,
      "--wait",
      "--write-profile",
      "--sso-start-url",
      "https://corp.awsapps.com/start",
      "--sso-region",
      "eu-west-1",
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `Request req1 is APPROVED. ${PORTAL}/requests/req1`,
        "Approved; the assignment is being created…",
        "Creating the assignment in IAM Identity Center and verifying it…",
        `Wrote [profile jit-sandbox-alice-ReadOnly] to ${path.join(dir, "aws-config")}.`,
        "Access is active and verified until 2026-12-05 11:00 UTC.",
        "Next: aws sso login --profile jit-sandbox-alice-ReadOnly",
        "",
      ].join("\n"),
    );
    expect(fs.readFileSync(path.join(dir, "aws-config"), "utf8")).toContain(
      "sso_start_url = https://corp.awsapps.com/start",
    );
  });

  it("with --wait --json prints one JSON document with the next step, progress on stderr", async () => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: requestView("ACTIVE", "ACTIVE") } });
    const args = [
      "request",
      "--account",
      "sandbox-alice",
      "--permission-set",
      "ReadOnly",
      "--for",
      "1h",
      "--reason",
      "x",
    ];
    expect(await run(...args, "--wait", "--json")).toBe(0);
    const document = JSON.parse(stdout);
    expect(document.nextStep).toBe("aws sso login --profile jit-sandbox-alice-ReadOnly");
    expect(document.request.status).toBe("ACTIVE");
    expect(stderr).toContain("Request req1 is ACTIVE.");
  });

  it.each([
    ["DENIED", 4],
    ["EXPIRED", 5],
  ])("with --wait ends with the request %s (exit %i)", async (status, exitCode) => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: requestView("PENDING", null) } });
    routes["GET /api/v1/requests/req1"] = ok({ request: requestView(status, null) });
    const args = [
      "request",
      "--account",
      "sandbox-alice",
      "--permission-set",
      "ReadOnly",
      "--for",
      "1h",
      "--reason",
      "x",
    ];
    expect(await run(...args, "--wait")).toBe(exitCode);
  });

  it("with --wait gives up after --timeout (exit 6) and says how to check later", async () => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: requestView("PENDING", null) } });
    routes["GET /api/v1/requests/req1"] = ok({ request: requestView("PENDING", null) });
    const args = [
      "request",
      "--account",
      "sandbox-alice",
      "--permission-set",
      "ReadOnly",
      "--for",
      "1h",
      "--reason",
      "x",
    ];
    expect(await run(...args, "--wait", "--timeout", "1m")).toBe(6);
    expect(stderr).toContain("Still waiting after 1m; the request stays open. Check it with jit status req1.");
    expect(clock - NOW.getTime()).toBe(60_000);
  });

  it("with --write-profile but no start URL refuses before requesting anything (exit 2)", async () => {
    const args = [
      "request",
      "--account",
      "sandbox-alice",
      "--permission-set",
      "ReadOnly",
      "--for",
      "1h",
      "--reason",
      "x",
    ];
    expect(await run(...args, "--wait", "--write-profile")).toBe(2);
    expect(stderr).toContain("--write-profile needs your AWS access portal URL");
    expect(calls).toEqual([]);
  });
});

describe("approver and request commands", () => {
  beforeEach(() => {
    signIn();
  });

  it("approve refused as self-approval exits 4 with the portal's message", async () => {
    routes["POST /api/v1/requests/req1/approve"] = apiError(
      403,
      "SELF_APPROVAL",
      "You cannot approve your own request.",
    );
    expect(await run("approve", "req1")).toBe(4);
    expect(stderr).toBe("jit: You cannot approve your own request.\n");
  });

  it("deny requires --comment (exit 2) and sends it", async () => {
    expect(await run("deny", "req1")).toBe(2);
    routes["POST /api/v1/requests/req1/deny"] = ok({ request: requestView("DENIED", null) });
    expect(await run("deny", "req1", "--comment", "not now")).toBe(0);
    expect(JSON.parse(calls.at(-1)!.body!)).toEqual({ comment: "not now" });
    expect(stdout).toContain("Denied. Request req1 is now DENIED.");
  });

  it("release says the removal is under way while the request is still active", async () => {
    routes["POST /api/v1/requests/req1/release"] = ok({ request: requestView("ACTIVE", "REMOVING") });
    expect(await run("release", "req1")).toBe(0);
    expect(stdout).toBe(
      "Released. The assignment is being removed; jit status req1 says COMPLETED once AWS confirms it is gone.\n",
    );
  });

  it("extend sends whole minutes", async () => {
    routes["POST /api/v1/requests/req1/extend"] = ok({ request: requestView("ACTIVE", "ACTIVE") });
    expect(await run("extend", "req1", "--by", "30m", "--reason", "more")).toBe(0);
    expect(JSON.parse(calls.at(-1)!.body!)).toEqual({ minutes: 30, justification: "more" });
  });

  it("a portal error in --json mode is one JSON document with the code and exit code", async () => {
    routes["POST /api/v1/requests/nope/release"] = apiError(404, "NOT_FOUND", "No such request.");
    expect(await run("release", "nope", "--json")).toBe(1);
    expect(JSON.parse(stdout)).toEqual({ error: { code: "NOT_FOUND", message: "No such request.", exitCode: 1 } });
  });

  it("an unreachable portal or an answer that is not ours never shows a stack trace", async () => {
    routes["GET /api/v1/targets"] = () => ({ status: 502, body: "<html>bad gateway</html>" });
    expect(await run("targets")).toBe(1);
    expect(stderr).toBe("jit: The portal answered HTTP 502 without an explanation.\n");
  });
});

describe("Identity Center groups", () => {
  const GROUPS = [
    {
      name: "prod-db-admins",
      label: 'membership of Identity Center group "prod-db-admins"',
      maxDurationMinutes: 120,
      approval: "required",
      ticketRequired: true,
      ticketHint: "INC-1234",
    },
  ];
  const groupView = (status: string, grantStatus: string | null) => ({
    ...requestView(status, null),
    targets: [],
    groups: [{ name: "prod-db-admins", label: GROUPS[0]!.label, grantStatus }],
  });

  beforeEach(() => {
    signIn();
    routes["GET /api/v1/targets"] = ok({ targets: TARGETS, groups: GROUPS });
  });

  it("jit targets lists the groups one may join after the accounts", async () => {
    expect(await run("targets")).toBe(0);
    expect(stdout).toContain("IDENTITY CENTER GROUP  AT MOST  APPROVAL  TICKET");
    expect(stdout).toMatch(/prod-db-admins\s+2 h\s+required\s+INC-1234/);
    expect(stdout.indexOf("ACCOUNT")).toBeLessThan(stdout.indexOf("IDENTITY CENTER GROUP"));
  });

  it("jit request --group sends the group, and --duration reads as --for", async () => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: groupView("PENDING", null) } });
    const args = ["--group", "Prod-DB-Admins", "--duration", "60m", "--reason", "reindex", "--ticket", "INC-7"];
    expect(await run("request", ...args)).toBe(0);
    expect(JSON.parse(calls[1]!.body!)).toEqual({
      groups: ["prod-db-admins"],
      durationMinutes: 60,
      justification: "reindex",
      ticket: "INC-7",
    });
    expect(stdout).toContain('membership of Identity Center group "prod-db-admins"');
  });

  it("suggests a close group name and sends nothing (exit 2)", async () => {
    expect(await run("request", "--group", "prod-db-admin", "--for", "1h", "--reason", "x")).toBe(2);
    expect(stderr).toContain('group named "prod-db-admin". Did you mean prod-db-admins?');
    expect(calls.map((call) => call.method)).toEqual(["GET"]);
  });

  it("refuses an account and a group together, or neither, before calling the portal (exit 2)", async () => {
    const both = ["--account", "sandbox-alice", "--permission-set", "ReadOnly", "--group", "prod-db-admins"];
    expect(await run("request", ...both, "--for", "1h", "--reason", "x")).toBe(2);
    expect(stderr).toContain("not both");
    expect(await run("request", "--for", "1h", "--reason", "x")).toBe(2);
    expect(stderr).toContain("--account and --permission-set, or --group");
    expect(await run("request", "--group", "prod-db-admins", "--reason", "x")).toBe(2);
    expect(stderr).toContain("--for");
    expect(calls).toEqual([]);
  });

  it("with --wait reports the membership active once its grant is", async () => {
    routes["POST /api/v1/requests"] = () => ({ status: 201, body: { request: groupView("APPROVED", "SCHEDULED") } });
    routes["GET /api/v1/requests/req1"] = [
      ok({ request: groupView("APPROVED", "PROVISIONING") }),
      ok({ request: groupView("ACTIVE", "ACTIVE") }),
    ];
    expect(
      await run("request", "--group", "prod-db-admins", "--for", "1h", "--reason", "x", "--ticket", "INC-1", "--wait"),
    ).toBe(0);
    expect(stdout).toContain("Adding you to the Identity Center group and verifying it…");
    expect(stdout).toContain(
      'Membership of Identity Center group "prod-db-admins" is active and verified until 2026-12-05 11:00 UTC.',
    );
  });

  it("names --group when the portal refuses the groups field", async () => {
    routes["POST /api/v1/requests"] = () => ({
      status: 400,
      body: { error: { code: "VALIDATION", message: "Some fields need attention.", fields: { groups: "Too many." } } },
    });
    expect(await run("request", "--group", "prod-db-admins", "--for", "1h", "--reason", "x")).toBe(2);
    expect(stderr).toContain("  --group: Too many.");
  });
});

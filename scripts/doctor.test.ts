import { randomBytes } from "node:crypto";
import net from "node:net";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startDevIdp, type DevIdpHandle } from "./dev-idp";
import { DEMO_SEED } from "../lib/simulator/seed";
import type { SimulatorHandle } from "../lib/simulator/server";
import { startTestSimulator } from "../lib/simulator/testing";
import { createTestDatabase, type TestDatabase } from "../lib/testing/test-database";
import { READ_PROBES } from "../lib/doctor/aws-probes";
import { formatResult } from "../lib/doctor/check-result";
import { runDoctor, type DoctorReport } from "../lib/doctor/run-doctor";

// Distinctive values so a leak cannot hide behind a common word.
const SECRETS = {
  AUTH_SECRET: `AuthSecret-${randomBytes(18).toString("hex")}`,
  OIDC_CLIENT_SECRET: `ClientSecret-${randomBytes(18).toString("hex")}`,
  METRICS_TOKEN: `MetricsToken-${randomBytes(18).toString("hex")}`,
  DATABASE_PASSWORD: `DbPassword-${randomBytes(18).toString("hex")}`,
};
const WRONG_CLIENT_SECRET = `WrongClientSecret-${randomBytes(18).toString("hex")}`;
const CLIENT_ID = "jit-portal-doctor-test";
const APP_URL = "http://localhost:3000";

let db: TestDatabase;
let sim: SimulatorHandle;
let idp: DevIdpHandle;
let databaseUrl: string;
const reports: DoctorReport[] = [];

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function healthyEnv(): Record<string, string> {
  return {
    NODE_ENV: "development",
    APP_URL,
    AUTH_SECRET: SECRETS.AUTH_SECRET,
    METRICS_TOKEN: SECRETS.METRICS_TOKEN,
    DATABASE_URL: databaseUrl,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: SECRETS.OIDC_CLIENT_SECRET,
    AWS_SIMULATOR_URL: sim.url,
    AWS_REGION: "us-east-1",
    IDENTITY_CENTER_INSTANCE_ARN: DEMO_SEED.instanceArn,
    IDENTITY_STORE_ID: DEMO_SEED.identityStoreId,
  };
}

async function doctor(overrides: Record<string, string> = {}): Promise<DoctorReport> {
  const report = await runDoctor({ ...healthyEnv(), ...overrides });
  reports.push(report);
  return report;
}

const linesWith = (report: DoctorReport, status: string) => report.lines.filter((line) => line.startsWith(status));

beforeAll(async () => {
  db = await createTestDatabase();
  // A login with a distinctive password, so the secrets test covers the database password too.
  const role = `doctor_${randomBytes(4).toString("hex")}`;
  await db.prisma.$executeRawUnsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${SECRETS.DATABASE_PASSWORD}'`);
  await db.prisma.$executeRawUnsafe(`GRANT SELECT ON "_prisma_migrations" TO ${role}`);
  const url = new URL(db.url);
  url.username = role;
  url.password = SECRETS.DATABASE_PASSWORD;
  databaseUrl = url.toString();
  sim = await startTestSimulator();
  idp = await startDevIdp({ clientId: CLIENT_ID, clientSecret: SECRETS.OIDC_CLIENT_SECRET, appUrl: APP_URL, port: 0 });
});

afterEach(() => sim.reset());

afterAll(async () => {
  await idp?.close();
  await sim?.close();
  await db?.drop();
});

describe("npm run doctor against the local stack", () => {
  it("passes on a healthy setup: no FAIL line, exit code 0, every dependency checked", async () => {
    const report = await doctor();
    expect(linesWith(report, "FAIL")).toEqual([]);
    expect(report.exitCode).toBe(0);
    const passed = report.results.filter((r) => r.status === "PASS").map((r) => r.check);
    expect(passed).toEqual(
      expect.arrayContaining([
        "environment",
        "database reachable",
        "database migrations",
        "database clock",
        "OIDC discovery",
        "OIDC client credentials",
        "OIDC redirect URI",
        "AWS identity",
        "Identity Center instance",
        "identity store",
        ...READ_PROBES.map((probe) => `AWS permission ${probe.action}`),
      ]),
    );
    expect(report.lines).toContainEqual(expect.stringMatching(/^WARN {2}OIDC groups claim: not verified/));
    expect(report.lines).toContainEqual(
      expect.stringMatching(/^WARN {2}AWS permission sso:CreateAccountAssignment: not verified/),
    );
    expect(report.lines).toContainEqual(expect.stringMatching(/^SKIP {2}Slack: off \(SLACK_BOT_TOKEN is not set\)/));
  });

  it("a wrong instance ARN: FAIL naming the ARN and the instance that exists, exit code 1", async () => {
    const report = await doctor({ IDENTITY_CENTER_INSTANCE_ARN: "arn:aws:sso:::instance/ssoins-0000000000000bad" });
    expect(report.exitCode).toBe(1);
    const [line] = linesWith(report, "FAIL");
    expect(line).toContain("Identity Center instance: arn:aws:sso:::instance/ssoins-0000000000000bad not found");
    expect(line).toContain(`visible here: ${DEMO_SEED.instanceArn}`);
    expect(line).toContain("fix: set IDENTITY_CENTER_INSTANCE_ARN");
    expect(linesWith(report, "FAIL")).toHaveLength(1);
  });

  // docs/iam-policy.json grants neither sso:DescribeInstance nor sso:ListInstances.
  const leastPrivilege = [
    { operation: "DescribeInstance", fault: "access-denied" as const, count: 1 },
    { operation: "ListInstances", fault: "access-denied" as const, count: 1 },
  ];

  it("with the least-privilege policy (no DescribeInstance / ListInstances): the instance is checked with a permitted read", async () => {
    sim.setConfig({ nextFaults: leastPrivilege });
    const report = await doctor();
    expect(linesWith(report, "FAIL")).toEqual([]);
    expect(report.lines).toContainEqual(
      expect.stringMatching(
        /^PASS {2}Identity Center instance: .* answers ListPermissionSets \(sso:DescribeInstance and sso:ListInstances are denied/,
      ),
    );
    expect(report.lines).toContainEqual(
      expect.stringMatching(
        /^WARN {2}delegated administration: not verified: the instance's owner \(management\) account is unknown/,
      ),
    );
  });

  it("with the least-privilege policy, a wrong instance ARN still FAILs", async () => {
    sim.setConfig({ nextFaults: leastPrivilege });
    const report = await doctor({ IDENTITY_CENTER_INSTANCE_ARN: "arn:aws:sso:::instance/ssoins-0000000000000bad" });
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringMatching(
        /^FAIL {2}Identity Center instance: arn:aws:sso:::instance\/ssoins-0000000000000bad: ResourceNotFoundException/,
      ),
    ]);
  });

  it("a wrong identity store id: FAIL with the instance's own store in the fix", async () => {
    const report = await doctor({ IDENTITY_STORE_ID: "d-0000000bad" });
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringContaining(
        `identity store: IDENTITY_STORE_ID is d-0000000bad, but the instance uses ${DEMO_SEED.identityStoreId}`,
      ),
    ]);
  });

  it("AccessDenied from AWS on one read API: FAIL for exactly that permission, exit code 1", async () => {
    sim.setConfig({ nextFaults: [{ operation: "ListAccountAssignments", fault: "access-denied", count: 1 }] });
    const report = await doctor();
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringMatching(
        /^FAIL {2}AWS permission sso:ListAccountAssignments: denied: AccessDeniedException: User: .* is not authorized to perform: sso:ListAccountAssignments .*fix: allow sso:ListAccountAssignments in the portal role's policy \(docs\/iam-policy\.json\)$/,
      ),
    ]);
  });

  it("credentials AWS refuses (sts:GetCallerIdentity denied): FAIL on the AWS identity, the AWS checks skipped", async () => {
    sim.setConfig({ nextFaults: [{ operation: "GetCallerIdentity", fault: "access-denied", count: 2 }] });
    const report = await doctor();
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringMatching(/^FAIL {2}AWS identity: sts:GetCallerIdentity via the simulator .* failed: AccessDenied/),
    ]);
    expect(report.lines).toContainEqual(
      expect.stringMatching(/^SKIP {2}Identity Center instance: skipped: no AWS identity/),
    );
  });

  it("a bad client secret: FAIL saying the IdP refused the client, exit code 1", async () => {
    const report = await doctor({ OIDC_CLIENT_SECRET: WRONG_CLIENT_SECRET });
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringContaining(`OIDC client credentials: client "${CLIENT_ID}" was refused (invalid_client)`),
    ]);
  });

  it("an unregistered redirect URI (APP_URL differs from the IdP's client): FAIL", async () => {
    const report = await doctor({ APP_URL: "https://portal.example.com" });
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringContaining(
        "OIDC redirect URI: the IdP refused an authorization request for https://portal.example.com/api/auth/callback/oidc",
      ),
    ]);
  });

  it("an unreachable IdP: FAIL on the discovery document", async () => {
    const report = await doctor({ OIDC_ISSUER: `http://127.0.0.1:${await closedPort()}` });
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([expect.stringMatching(/^FAIL {2}OIDC discovery: cannot read /)]);
  });

  it("an unreachable database: FAIL with the host and port, migrations and clock skipped, exit code 1", async () => {
    const port = await closedPort();
    const report = await doctor({
      DATABASE_URL: `postgresql://portal:${SECRETS.DATABASE_PASSWORD}@127.0.0.1:${port}/portal`,
    });
    expect(report.exitCode).toBe(1);
    expect(linesWith(report, "FAIL")).toEqual([
      expect.stringContaining(`database reachable: cannot connect to 127.0.0.1:${port}/portal: connect ECONNREFUSED`),
    ]);
    expect(report.lines).toContainEqual("SKIP  database migrations: skipped: database unreachable");
  });

  it("a database without the migrations: FAIL telling to run them", async () => {
    const name = `doctor_empty_${randomBytes(4).toString("hex")}`;
    const adminUrl = new URL(db.url);
    adminUrl.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const emptyUrl = new URL(db.url);
      emptyUrl.pathname = `/${name}`;
      const report = await doctor({ DATABASE_URL: emptyUrl.toString() });
      expect(report.exitCode).toBe(1);
      expect(linesWith(report, "FAIL")).toEqual([
        expect.stringMatching(
          /^FAIL {2}database migrations: none of the \d+ migrations has run here \(no _prisma_migrations table\) -> fix: run npm run db:migrate/,
        ),
      ]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("running as delegated administrator: says which account and permission sets AWS refuses", async () => {
    sim.setConfig({ callerMode: "delegated-admin" });
    const report = await doctor();
    expect(report.exitCode).toBe(0);
    const managementAccountId = DEMO_SEED.organization.managementAccountId;
    expect(report.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^WARN {2}delegated administration: the portal runs as delegated administrator in account ${DEMO_SEED.delegatedAdminAccountId}; AWS refuses assignments in the management account ${managementAccountId}`,
        ),
      ),
    );
  });

  // Runs last: every report above, passing and failing, was made with the distinctive secrets.
  it("never prints a secret, in any of the runs above, nor keeps one in a check result", () => {
    expect(reports.length).toBeGreaterThanOrEqual(13);
    const secrets = [...Object.values(SECRETS), WRONG_CLIENT_SECRET];
    for (const report of reports) {
      const printed = report.lines.join("\n");
      const unscrubbed = report.results.map(formatResult).join("\n");
      for (const secret of secrets) {
        expect(printed).not.toContain(secret);
        expect(unscrubbed).not.toContain(secret);
      }
    }
  });
});

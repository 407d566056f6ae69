import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { measureCredentialReport } from "../domain/credential-report";
import { startSimulator, type SimulatorHandle } from "../simulator";
import { DEMO_SEED, seedAccount } from "../simulator/seed";
import { createAuditPort, type AuditPort, type AuditPortOptions, type CredentialReportReading } from "./audit-port";
import { AwsPortError } from "./errors";

let sim: SimulatorHandle;
const ports: AuditPort[] = [];

const { roleName, externalId } = DEMO_SEED.auditRole!;
const paymentsProd = seedAccount("payments-prod").id;
const dataProd = seedAccount("data-prod").id;
const sandboxErin = seedAccount("sandbox-erin").id;

function auditPort(
  config: { externalId?: string; roleName?: string; maxAttempts?: number } = {},
  options: AuditPortOptions = {},
) {
  const port = createAuditPort(
    { region: DEMO_SEED.region, endpoint: sim.url, roleName, externalId, ...config },
    { pollInitialMs: 10, pollMaxMs: 50, ...options },
  );
  ports.push(port);
  return port;
}

const calls = (operation: string) => sim.getState().counters.calls[operation] ?? 0;
const notMeasured = (reading: CredentialReportReading) => {
  if (reading.kind !== "not-measured") throw new Error(`expected not measured, got ${reading.kind}`);
  return reading;
};

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    config: {
      rateLimitPerSecond: 0,
      identityStoreRateLimitPerSecond: 0,
      retryAfterSeconds: 0,
      credentialReportDelayMs: 0,
    },
  });
});
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
  sim.reset();
  sim.setConfig({ credentialReportDelayMs: 0, credentialReportFaults: {}, nextFaults: [] });
});
afterAll(async () => {
  await sim.close();
});

describe("readCredentialReport", () => {
  it("assumes the audit role, generates and reads the account's report into typed rows", async () => {
    const reading = await auditPort().readCredentialReport(paymentsProd);
    expect(reading.kind).toBe("measured");
    if (reading.kind !== "measured") return;
    expect(reading.accountId).toBe(paymentsProd);
    expect(reading.generatedAt).toBeInstanceOf(Date);
    expect(reading.rows.map((row) => row.user)).toEqual([
      "<root_account>",
      "ci-deployer",
      "legacy-reporting",
      "ops-console",
    ]);
    expect(measureCredentialReport(reading.rows, { now: new Date() })).toMatchObject({
      iamUsers: 3,
      activeAccessKeys: 2,
      oldKeys: 2,
      unusedKeys: 1,
      rootAccessKeys: 0,
      usersWithoutMfa: 1,
    });
    expect(calls("AssumeRole")).toBe(1);
    expect(calls("GetCredentialReport")).toBe(1);
  });

  it("polls while AWS is still generating, and reads the report only once it is COMPLETE", async () => {
    sim.setConfig({ credentialReportDelayMs: 400 });
    const reading = await auditPort().readCredentialReport(dataProd);
    expect(reading.kind).toBe("measured");
    expect(reading.kind === "measured" && reading.rows.some((row) => row.user === "etl-runner")).toBe(true);
    expect(calls("GenerateCredentialReport")).toBeGreaterThan(2);
    expect(calls("GetCredentialReport")).toBe(1);
    expect(sim.getState().counters.errors.ReportInProgress).toBeUndefined();
  });

  it("a report still generating at the deadline is not measured, never an empty report", async () => {
    sim.setConfig({ credentialReportDelayMs: 60_000 });
    const reading = notMeasured(await auditPort({}, { reportTimeoutMs: 150 }).readCredentialReport(paymentsProd));
    expect(reading).toMatchObject({ code: "REPORT_TIMEOUT" });
    expect(reading.reason).toMatch(/still generating the credential report/);
    expect(calls("GetCredentialReport")).toBe(0);
  });

  it.each([
    ["an account without the audit role", sandboxErin, {}],
    ["a wrong external id", paymentsProd, { externalId: "not-the-right-one" }],
    ["a role name the accounts do not have", paymentsProd, { roleName: "SomeOtherRole" }],
  ])("marks %s not measured with a plain reason (AccessDenied on AssumeRole)", async (_label, accountId, config) => {
    const reading = notMeasured(await auditPort(config).readCredentialReport(accountId));
    expect(reading.code).toBe("NO_AUDIT_ROLE");
    expect(reading.reason).toMatch(/^The portal could not assume the audit role \S+ in this account/);
    // The reason is shown to people; AWS's message with its ARNs stays in the log detail.
    expect(reading.reason).not.toMatch(/arn:|\d{12}/);
    expect(reading.detail).toContain("is not authorized to perform: sts:AssumeRole");
    expect(calls("GenerateCredentialReport")).toBe(0);
  });

  it("a malformed report is an error for that account only", async () => {
    sim.setConfig({ credentialReportFaults: { [paymentsProd]: "corrupt" } });
    const port = auditPort();
    const [broken, fine] = await Promise.all([
      port.readCredentialReport(paymentsProd),
      port.readCredentialReport(dataProd),
    ]);
    expect(notMeasured(broken)).toMatchObject({ code: "MALFORMED_REPORT" });
    expect(notMeasured(broken).reason).toMatch(
      /^The credential report could not be read: the report has no .* columns\.$/,
    );
    expect(fine.kind).toBe("measured");
  });

  it("a report that keeps expiring is regenerated a few times, then not measured", async () => {
    sim.setConfig({ credentialReportFaults: { [paymentsProd]: "expires-on-read" } });
    const reading = notMeasured(await auditPort().readCredentialReport(paymentsProd));
    expect(reading.code).toBe("REPORT_EXPIRED");
    expect(calls("GetCredentialReport")).toBe(3);
  });

  it("a report that expired once is generated again and read", async () => {
    sim.setConfig({ credentialReportFaults: { [paymentsProd]: "expires-on-read" } });
    // The limiter sees every attempt before it is sent: the fault is lifted right after the first read.
    const limiter = {
      acquire: async () => {
        if (calls("GetCredentialReport") >= 1) sim.setConfig({ credentialReportFaults: {} });
      },
    };
    expect((await auditPort({}, { limiter }).readCredentialReport(paymentsProd)).kind).toBe("measured");
    expect(calls("GetCredentialReport")).toBe(2);
    expect(sim.getState().counters.errors.ReportExpired).toBe(1);
  });

  it("an audit role without the report permissions is not measured, with the actions it lacks", async () => {
    sim.setConfig({ nextFaults: [{ operation: "GenerateCredentialReport", fault: "access-denied" }] });
    const reading = notMeasured(await auditPort().readCredentialReport(paymentsProd));
    expect(reading.code).toBe("REPORT_ACCESS_DENIED");
    expect(reading.reason).toContain("iam:GenerateCredentialReport and iam:GetCredentialReport");
  });

  it("rides out throttling with the SDK's retries, and paces every attempt through the limiter", async () => {
    sim.setConfig({
      nextFaults: [
        { operation: "AssumeRole", fault: "throttle" },
        { operation: "GetCredentialReport", fault: "throttle" },
      ],
    });
    let acquired = 0;
    const port = auditPort({}, { limiter: { acquire: async () => void (acquired += 1) } });
    expect((await port.readCredentialReport(paymentsProd)).kind).toBe("measured");
    const attempts = calls("AssumeRole") + calls("GenerateCredentialReport") + calls("GetCredentialReport");
    expect(calls("AssumeRole")).toBe(2);
    expect(calls("GetCredentialReport")).toBe(2);
    expect(acquired).toBe(attempts);
  });

  it("throttling past the retries is not measured this time, never a zero", async () => {
    sim.setConfig({ nextFaults: [{ operation: "AssumeRole", fault: "throttle", count: 5 }] });
    const reading = notMeasured(await auditPort({ maxAttempts: 2 }).readCredentialReport(paymentsProd));
    expect(reading.code).toBe("UNAVAILABLE");
    expect(reading.detail).toContain("THROTTLED");
  });

  it("refuses a malformed account id without calling AWS", async () => {
    const reading = notMeasured(await auditPort().readCredentialReport("12345"));
    expect(reading.code).toBe("INVALID_ACCOUNT");
    expect(calls("AssumeRole")).toBe(0);
  });
});

describe("assumeAuditRole", () => {
  it("returns the role's temporary credentials, or throws ACCESS_DENIED where the role is missing", async () => {
    const port = auditPort();
    const credentials = await port.assumeAuditRole(paymentsProd);
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.expiration).toBeInstanceOf(Date);
    const error = await port.assumeAuditRole(sandboxErin).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsPortError);
    expect(error).toMatchObject({ code: "ACCESS_DENIED", operation: "AssumeRole" });
  });

  it("refuses a configuration with an invalid role name", () => {
    expect(() => auditPort({ roleName: "no spaces allowed" })).toThrow(/Invalid audit port configuration/);
  });
});

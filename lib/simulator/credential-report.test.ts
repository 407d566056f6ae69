import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CREDENTIAL_REPORT_COLUMNS } from "./credential-report";
import { DEMO_AUDIT_ROLE } from "./seed-iam";
import { seedAccount } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, SIMULATOR_CREDENTIALS, startTestSimulator, waitUntil } from "./testing";

// iam:GenerateCredentialReport / iam:GetCredentialReport over the IAM query protocol, read by @aws-sdk/client-iam.

let sim: SimulatorHandle;
let sts: STSClient;
const clients: IAMClient[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DAY_MS = 86_400_000;

async function iamIn(accountName: string, maxAttempts = 1) {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${seedAccount(accountName).id}:role/${DEMO_AUDIT_ROLE.roleName}`,
      RoleSessionName: "probe",
      ExternalId: DEMO_AUDIT_ROLE.externalId,
    }),
  );
  const client = new IAMClient({
    endpoint: sim.url,
    region: "us-east-1",
    maxAttempts,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  });
  clients.push(client);
  return client;
}

const generate = (iam: IAMClient) => iam.send(new GenerateCredentialReportCommand({}));
const get = (iam: IAMClient) => iam.send(new GetCredentialReportCommand({}));

function rowsOf(csv: string) {
  const [header, ...lines] = csv.split("\n");
  const names = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((value, index) => [names[index]!, value])));
}

beforeAll(async () => {
  sim = await startTestSimulator({ credentialReportDelayMs: 150 });
  sts = new STSClient({ endpoint: sim.url, region: "us-east-1", credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1 });
});
afterEach(() => {
  sim.reset();
  sim.setConfig({ credentialReportDelayMs: 150, credentialReportTtlMs: 4 * 3_600_000, credentialReportFaults: {} });
  for (const client of clients.splice(0)) client.destroy();
});
afterAll(async () => {
  sts.destroy();
  await sim.close();
});

describe("the credential report's life: not present, started, in progress, complete, expired", () => {
  it("answers ReportNotPresent (410) before any generation", async () => {
    const error = await rejectionOf(get(await iamIn("payments-prod")));
    expect(error.name).toBe("CredentialReportNotPresentException");
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(410);
  });

  it("goes STARTED, then INPROGRESS with ReportInProgress (404) on read, then COMPLETE", async () => {
    sim.setConfig({ credentialReportDelayMs: 1_000 });
    const iam = await iamIn("payments-prod");
    expect(await generate(iam)).toMatchObject({
      State: "STARTED",
      Description: "No report exists. Starting a new report generation task",
    });
    expect((await generate(iam)).State).toBe("INPROGRESS");
    const inProgress = await rejectionOf(get(iam));
    expect(inProgress.name).toBe("CredentialReportNotReadyException");
    expect((inProgress.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
    await waitUntil(
      () => generate(iam),
      (output) => output.State === "COMPLETE",
      5_000,
      100,
    );
    const report = await get(iam);
    expect(report.ReportFormat).toBe("text/csv");
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    expect(Buffer.from(report.Content!).toString("utf8").split("\n")[0]).toBe(CREDENTIAL_REPORT_COLUMNS.join(","));
  });

  it("answers ReportExpired (410) once the report is older than its lifetime; a new generation starts over", async () => {
    sim.setConfig({ credentialReportDelayMs: 0, credentialReportTtlMs: 50 });
    const iam = await iamIn("payments-prod");
    await generate(iam);
    await sleep(80);
    const error = await rejectionOf(get(iam));
    expect(error.name).toBe("CredentialReportExpiredException");
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(410);
    expect((await generate(iam)).State).toBe("STARTED");
    // The new report must not expire before this read, however slow the machine.
    sim.setConfig({ credentialReportTtlMs: 4 * 3_600_000 });
    expect((await get(iam)).Content).toBeDefined();
  });

  it("keeps one report per account: another account's generation does not make this one ready", async () => {
    sim.setConfig({ credentialReportDelayMs: 0 });
    await generate(await iamIn("data-prod"));
    expect((await rejectionOf(get(await iamIn("payments-prod")))).name).toBe("CredentialReportNotPresentException");
  });
});

describe("the report's content", () => {
  it("is the documented CSV: root row first, users, key ages relative to generation, N/A for missing values", async () => {
    sim.setConfig({ credentialReportDelayMs: 0 });
    const iam = await iamIn("payments-prod");
    await generate(iam);
    const report = await get(iam);
    const generatedAt = report.GeneratedTime!.getTime();
    const rows = rowsOf(Buffer.from(report.Content!).toString("utf8"));
    expect(rows.map((row) => row.user)).toEqual(["<root_account>", "ci-deployer", "legacy-reporting", "ops-console"]);
    const [root, ci, legacy, ops] = rows as Record<string, string>[];
    expect(root).toMatchObject({
      arn: `arn:aws:iam::${seedAccount("payments-prod").id}:root`,
      password_enabled: "not_supported",
      mfa_active: "true",
      access_key_1_active: "false",
      access_key_1_last_rotated: "N/A",
    });
    expect(ci).toMatchObject({ password_enabled: "false", mfa_active: "false", access_key_1_active: "true" });
    const age = (time: string) => Math.round((generatedAt - Date.parse(time)) / DAY_MS);
    expect(age(ci!.access_key_1_last_rotated!)).toBe(412);
    expect(age(ci!.access_key_1_last_used_date!)).toBe(1);
    expect(ci!.access_key_1_last_rotated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(ci).toMatchObject({ access_key_2_active: "false", access_key_1_last_used_region: "us-east-1" });
    expect(legacy).toMatchObject({ access_key_1_active: "true", access_key_1_last_used_date: "N/A" });
    expect(ops).toMatchObject({ password_enabled: "true", mfa_active: "false", access_key_1_active: "false" });
  });

  it("has a root access key in the management account and a root without MFA in log-archive", async () => {
    sim.setConfig({ credentialReportDelayMs: 0 });
    const rootOf = async (account: string) => {
      const iam = await iamIn(account);
      await generate(iam);
      return rowsOf(Buffer.from((await get(iam)).Content!).toString("utf8"))[0]!;
    };
    expect(await rootOf("Management")).toMatchObject({ user: "<root_account>", access_key_1_active: "true" });
    expect(await rootOf("log-archive")).toMatchObject({ user: "<root_account>", mfa_active: "false" });
  });

  it("a corrupt-report account serves a cut-off CSV; expires-on-read answers ReportExpired though Generate says COMPLETE", async () => {
    sim.setConfig({
      credentialReportDelayMs: 0,
      credentialReportFaults: {
        [seedAccount("data-prod").id]: "corrupt",
        [seedAccount("payments-prod").id]: "expires-on-read",
      },
    });
    const data = await iamIn("data-prod");
    await generate(data);
    const text = Buffer.from((await get(data)).Content!).toString("utf8");
    expect(text).toBe(CREDENTIAL_REPORT_COLUMNS.join(",").slice(0, 60));
    const payments = await iamIn("payments-prod");
    await generate(payments);
    expect((await generate(payments)).State).toBe("COMPLETE");
    expect((await rejectionOf(get(payments))).name).toBe("CredentialReportExpiredException");
  });
});

describe("faults on the credential report calls", () => {
  it("throttles (Throttling) and the SDK's retry gets through", async () => {
    sim.setConfig({ nextFaults: [{ operation: "GenerateCredentialReport", fault: "throttle" }] });
    expect((await rejectionOf(generate(await iamIn("payments-prod")))).name).toBe("Throttling");
    sim.setConfig({
      nextFaults: [{ operation: "GetCredentialReport", fault: "throttle" }],
      credentialReportDelayMs: 0,
    });
    const retrying = await iamIn("payments-prod", 3);
    await generate(retrying);
    expect((await get(retrying)).Content).toBeDefined();
    expect(sim.getState().counters.calls.GetCredentialReport).toBe(2);
  });

  it("answers AccessDenied for an access-denied fault and ServiceFailure (500) for an internal one", async () => {
    sim.setConfig({
      nextFaults: [
        { operation: "GetCredentialReport", fault: "access-denied" },
        { operation: "GenerateCredentialReport", fault: "internal" },
      ],
    });
    const iam = await iamIn("payments-prod");
    const denied = await rejectionOf(get(iam));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.message).toContain("is not authorized to perform: iam:GetCredentialReport");
    const failed = await rejectionOf(generate(iam));
    expect((failed.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
  });
});

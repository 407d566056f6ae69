import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccountAliasesCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_AUDIT_ROLE } from "./seed-iam";
import { seedAccount } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, SIMULATOR_CREDENTIALS, startTestSimulator, userClients } from "./testing";

// sts:AssumeRole into member accounts' audit role, spoken to by the real @aws-sdk/client-sts.

let sim: SimulatorHandle;
let sts: STSClient;

const paymentsProd = seedAccount("payments-prod").id;
const dataProd = seedAccount("data-prod").id;
const sandboxErin = seedAccount("sandbox-erin").id;
const roleArn = (accountId: string, name = DEMO_AUDIT_ROLE.roleName) => `arn:aws:iam::${accountId}:role/${name}`;
const assume = (accountId: string, extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}) =>
  sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn(accountId),
      RoleSessionName: "jit-portal-scorecard",
      ExternalId: DEMO_AUDIT_ROLE.externalId,
      ...extra,
    }),
  );
const credentialsOf = async (accountId: string) => {
  const { Credentials } = await assume(accountId);
  return {
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken!,
  };
};

beforeAll(async () => {
  sim = await startTestSimulator({ credentialReportDelayMs: 0 });
  sts = new STSClient({ endpoint: sim.url, region: "us-east-1", credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1 });
});
afterEach(() => sim.reset());
afterAll(async () => {
  sts.destroy();
  await sim.close();
});

describe("sts:AssumeRole into a member account's audit role", () => {
  it("answers temporary credentials and the assumed-role identity, which GetCallerIdentity confirms", async () => {
    const before = Date.now();
    const output = await assume(paymentsProd, { DurationSeconds: 900 });
    expect(output.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(output.Credentials?.SessionToken).toBeTruthy();
    expect(output.Credentials!.Expiration!.getTime()).toBeGreaterThanOrEqual(before + 899_000);
    expect(output.Credentials!.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 901_000);
    expect(output.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${paymentsProd}:assumed-role/JitPortalAudit/jit-portal-scorecard`,
    );
    const who = await userClients(sim.url)
      .sts(await credentialsOf(paymentsProd))
      .send(new GetCallerIdentityCommand({}));
    expect(output.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:jit-portal-scorecard$/);
    expect(who).toMatchObject({ Account: paymentsProd, Arn: output.AssumedRoleUser?.Arn });
    expect(who.UserId?.split(":")[0]).toBe(output.AssumedRoleUser?.AssumedRoleId?.split(":")[0]);
  });

  it.each([
    ["an account without the audit role", sandboxErin, {}],
    ["a wrong external id", paymentsProd, { ExternalId: "guessed-external-id" }],
    ["no external id", paymentsProd, { ExternalId: undefined }],
    ["another role name", paymentsProd, { RoleArn: roleArn(paymentsProd, "OrganizationAccountAccessRole") }],
    ["an account outside the organization", "123456789012", {}],
  ])("answers AccessDenied, as AWS does, for %s", async (_label, accountId, extra) => {
    const error = await rejectionOf(assume(accountId, extra));
    expect(error.name).toBe("AccessDenied");
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: arn:aws:sts::111111111111:assumed-role/JitPortalIdentityCenter/jit-portal is not authorized to perform: sts:AssumeRole on resource: ${(extra as { RoleArn?: string }).RoleArn ?? roleArn(accountId)}`,
    );
  });

  it("refuses role chaining: the audit role's own session may not assume another account's", async () => {
    const chained = new STSClient({
      endpoint: sim.url,
      region: "us-east-1",
      credentials: await credentialsOf(paymentsProd),
      maxAttempts: 1,
    });
    const error = await rejectionOf(
      chained.send(
        new AssumeRoleCommand({
          RoleArn: roleArn(dataProd),
          RoleSessionName: "hop",
          ExternalId: DEMO_AUDIT_ROLE.externalId,
        }),
      ),
    );
    expect(error.name).toBe("AccessDenied");
    expect(error.message).toContain(`assumed-role/JitPortalAudit/jit-portal-scorecard is not authorized`);
    chained.destroy();
  });

  it.each([
    ["a malformed role ARN", { RoleArn: "arn:aws:iam::12345:role/JitPortalAudit" }, /at 'roleArn'/],
    ["a session name with a space", { RoleSessionName: "two words" }, /at 'roleSessionName'/],
    ["a session under 15 minutes", { DurationSeconds: 899 }, /greater than or equal to 900/],
    ["a session over the role's maximum", { DurationSeconds: 7200 }, /exceeds the MaxSessionDuration/],
  ])("answers ValidationError for %s", async (_label, extra, message) => {
    const error = await rejectionOf(assume(paymentsProd, extra));
    expect(error.name).toBe("ValidationError");
    expect(error.message).toMatch(message);
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it("throttles through the fault mechanism; the SDK's retry then succeeds", async () => {
    sim.setConfig({ nextFaults: [{ operation: "AssumeRole", fault: "throttle" }] });
    const error = await rejectionOf(assume(paymentsProd));
    expect(error.name).toBe("Throttling");
    sim.setConfig({ nextFaults: [{ operation: "AssumeRole", fault: "throttle", count: 2 }] });
    const retrying = new STSClient({ endpoint: sim.url, region: "us-east-1", credentials: SIMULATOR_CREDENTIALS });
    const output = await retrying.send(
      new AssumeRoleCommand({
        RoleArn: roleArn(paymentsProd),
        RoleSessionName: "retry",
        ExternalId: DEMO_AUDIT_ROLE.externalId,
      }),
    );
    expect(output.Credentials?.AccessKeyId).toBeTruthy();
    expect(sim.getState().counters.calls.AssumeRole).toBe(4);
    retrying.destroy();
  });

  it("refuses an unsigned request", async () => {
    const response = await fetch(sim.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn(paymentsProd))}&RoleSessionName=x1`,
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });
});

describe("audit role credentials are scoped to their account", () => {
  const iamWith = (credentials: Awaited<ReturnType<typeof credentialsOf>>) =>
    new IAMClient({ endpoint: sim.url, region: "us-east-1", credentials, maxAttempts: 1 });

  it("reads the credential report of the account the role was assumed in, and only that one", async () => {
    const reportOf = async (accountId: string) => {
      const iam = iamWith(await credentialsOf(accountId));
      await iam.send(new GenerateCredentialReportCommand({}));
      const { Content } = await iam.send(new GetCredentialReportCommand({}));
      iam.destroy();
      return Buffer.from(Content!).toString("utf8");
    };
    const payments = await reportOf(paymentsProd);
    expect(payments).toContain(`arn:aws:iam::${paymentsProd}:root`);
    expect(payments).toContain(`arn:aws:iam::${paymentsProd}:user/legacy-reporting`);
    expect(payments).not.toContain(dataProd);
    const data = await reportOf(dataProd);
    expect(data).toContain(`arn:aws:iam::${dataProd}:user/etl-runner`);
    expect(data).not.toContain(paymentsProd);
  });

  it("may not do anything its policy does not list", async () => {
    const iam = iamWith(await credentialsOf(paymentsProd));
    const error = await rejectionOf(iam.send(new ListAccountAliasesCommand({})));
    expect(error.name).toBe("AccessDenied");
    expect(error.message).toContain(
      `assumed-role/JitPortalAudit/jit-portal-scorecard is not authorized to perform: iam:ListAccountAliases`,
    );
    iam.destroy();
  });

  it("the portal's own credentials cannot read a member account's IAM", async () => {
    const iam = new IAMClient({
      endpoint: sim.url,
      region: "us-east-1",
      credentials: SIMULATOR_CREDENTIALS,
      maxAttempts: 1,
    });
    expect((await rejectionOf(iam.send(new GenerateCredentialReportCommand({})))).name).toBe("InvalidClientTokenId");
    iam.destroy();
  });

  it("forged or mis-signed audit credentials are refused", async () => {
    const credentials = await credentialsOf(paymentsProd);
    const wrongSecret = iamWith({ ...credentials, secretAccessKey: "x".repeat(40) });
    expect((await rejectionOf(wrongSecret.send(new GenerateCredentialReportCommand({})))).name).toBe(
      "SignatureDoesNotMatch",
    );
    const forged = iamWith({ ...credentials, sessionToken: "forged" });
    expect((await rejectionOf(forged.send(new GenerateCredentialReportCommand({})))).name).toBe("InvalidClientTokenId");
    wrongSecret.destroy();
    forged.destroy();
  });
});

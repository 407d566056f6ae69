import {
  ListAccountAssignmentsCommand,
  ListManagedPoliciesInPermissionSetCommand,
  paginateListPermissionSetsProvisionedToAccount,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { BENCH_SCALE, scaledSeed } from "./seed-scale";
import { startSimulator, type SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, SIMULATOR_CREDENTIALS, type SdkClients } from "./testing";

// The benchmark organization: 1,000 accounts, 50 permission sets provisioned to each, 5,000 standing assignments.

const seed = scaledSeed(BENCH_SCALE);
let sim: SimulatorHandle;
let clients: SdkClients;

beforeAll(async () => {
  sim = await startSimulator({
    seed,
    config: { rateLimitPerSecond: 0, identityStoreRateLimitPerSecond: 0, credentialReportDelayMs: 0 },
  });
  clients = sdkClients(sim.url, { maxAttempts: 1 });
});
afterAll(async () => {
  await sim.close();
});

describe("scaledSeed", () => {
  it("has the benchmark's shape, with distinct tuples and deterministic ids", () => {
    const members = seed.accounts.filter((account) => account.id !== seed.managementAccountId);
    expect(members).toHaveLength(1_000);
    expect(seed.permissionSets).toHaveLength(50);
    expect(seed.provisioned).toHaveLength(50_000);
    expect(seed.standingAssignments).toHaveLength(5_000);
    const tuples = new Set(
      seed.standingAssignments.map((a) => `${a.accountId}|${a.permissionSetArn}|${a.principalType}|${a.principalId}`),
    );
    expect(tuples.size).toBe(5_000);
    expect(new Set(members.map((account) => account.id)).size).toBe(1_000);
    expect(scaledSeed(BENCH_SCALE).permissionSets[7]!.arn).toBe(seed.permissionSets[7]!.arn);
    expect(seed.iamAccounts!.filter((account) => !account.auditRole)).toHaveLength(20);
    expect(() => scaledSeed({ accounts: 1, permissionSetsPerAccount: 1, assignments: 1_000 })).toThrow(RangeError);
  });

  it("serves it over the wire: 50 sets provisioned per account, assignments and managed policies per set", async () => {
    const accountId = seed.accounts[500]!.id;
    const provisioned: string[] = [];
    for await (const page of paginateListPermissionSetsProvisionedToAccount(
      { client: clients.ssoAdmin },
      { InstanceArn: seed.instanceArn, AccountId: accountId },
    ))
      provisioned.push(...(page.PermissionSets ?? []));
    expect(provisioned).toHaveLength(50);
    const assigned = await clients.ssoAdmin.send(
      new ListAccountAssignmentsCommand({
        InstanceArn: seed.instanceArn,
        AccountId: seed.standingAssignments[0]!.accountId,
        PermissionSetArn: seed.standingAssignments[0]!.permissionSetArn,
      }),
    );
    expect(assigned.AccountAssignments).toHaveLength(1);
    const policies = await clients.ssoAdmin.send(
      new ListManagedPoliciesInPermissionSetCommand({
        InstanceArn: seed.instanceArn,
        PermissionSetArn: seed.permissionSets[6]!.arn,
      }),
    );
    expect(policies.AttachedManagedPolicies?.map((policy) => policy.Name)).toEqual(["AdministratorAccess"]);
  });

  it("lets the audit role read generated accounts' reports, and refuses where the role is missing", async () => {
    const sts = new STSClient({
      endpoint: sim.url,
      region: seed.region,
      credentials: SIMULATOR_CREDENTIALS,
      maxAttempts: 1,
    });
    const assume = (accountId: string) =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/${seed.auditRole!.roleName}`,
          RoleSessionName: "bench",
          ExternalId: seed.auditRole!.externalId,
        }),
      );
    const { Credentials } = await assume(seed.iamAccounts![1]!.accountId);
    const iam = new IAMClient({
      endpoint: sim.url,
      region: seed.region,
      maxAttempts: 1,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    await iam.send(new GenerateCredentialReportCommand({}));
    const csv = Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString("utf8");
    expect(csv.split("\n").map((line) => line.split(",")[0])).toEqual([
      "user",
      "<root_account>",
      "ci-deployer",
      "console-user",
    ]);
    const missing = seed.iamAccounts!.find((account) => !account.auditRole)!;
    expect((await rejectionOf(assume(missing.accountId))).name).toBe("AccessDenied");
    iam.destroy();
    sts.destroy();
  });
});

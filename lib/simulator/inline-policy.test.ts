import {
  ConflictException,
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListPermissionSetProvisioningStatusCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type ProvisionPermissionSetCommandInput,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FAILURE_REASONS } from "./operations";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator, waitUntil } from "./testing";

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const alice = seedUser("alice");
const bob = seedUser("bob");
const readOnly = seedPermissionSet("ReadOnly");
const paymentsProd = seedAccount("payments-prod");
const dataProd = seedAccount("data-prod");
const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "CustomerRead", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
});

let sim: SimulatorHandle;
let sso: SSOAdminClient;
let ssoNoRetry: SSOAdminClient;

beforeAll(async () => {
  sim = await startTestSimulator();
  sso = sdkClients(sim.url).ssoAdmin;
  ssoNoRetry = sdkClients(sim.url, { maxAttempts: 1 }).ssoAdmin;
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

const target = { InstanceArn: INSTANCE_ARN, PermissionSetArn: readOnly.arn };
const put = (InlinePolicy: string, client = sso) =>
  client.send(new PutInlinePolicyToPermissionSetCommand({ ...target, InlinePolicy }));
const get = async () => (await sso.send(new GetInlinePolicyForPermissionSetCommand(target))).InlinePolicy;

async function assignment(kind: "create" | "delete", principalId: string, accountId = paymentsProd.id) {
  const input = {
    ...target,
    TargetId: accountId,
    TargetType: "AWS_ACCOUNT" as const,
    PrincipalType: "USER" as const,
    PrincipalId: principalId,
  };
  if (kind === "create") {
    const { AccountAssignmentCreationStatus: started } = await sso.send(new CreateAccountAssignmentCommand(input));
    await waitUntil(
      () =>
        sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: INSTANCE_ARN,
            AccountAssignmentCreationRequestId: started!.RequestId!,
          }),
        ),
      (output) => output.AccountAssignmentCreationStatus!.Status === "SUCCEEDED",
    );
  } else {
    const { AccountAssignmentDeletionStatus: started } = await sso.send(new DeleteAccountAssignmentCommand(input));
    await waitUntil(
      () =>
        sso.send(
          new DescribeAccountAssignmentDeletionStatusCommand({
            InstanceArn: INSTANCE_ARN,
            AccountAssignmentDeletionRequestId: started!.RequestId!,
          }),
        ),
      (output) => output.AccountAssignmentDeletionStatus!.Status === "SUCCEEDED",
    );
  }
}

async function provision(
  input: Partial<ProvisionPermissionSetCommandInput> = { TargetType: "AWS_ACCOUNT", TargetId: paymentsProd.id },
) {
  const { PermissionSetProvisioningStatus: started } = await sso.send(
    new ProvisionPermissionSetCommand({ ...target, TargetType: "AWS_ACCOUNT", ...input }),
  );
  return started!;
}

async function settled(requestId: string) {
  const output = await waitUntil(
    () =>
      sso.send(
        new DescribePermissionSetProvisioningStatusCommand({
          InstanceArn: INSTANCE_ARN,
          ProvisionPermissionSetRequestId: requestId,
        }),
      ),
    (result) => result.PermissionSetProvisioningStatus!.Status !== "IN_PROGRESS",
  );
  return output.PermissionSetProvisioningStatus!;
}

async function accounts(
  ProvisioningStatus?: "LATEST_PERMISSION_SET_PROVISIONED" | "LATEST_PERMISSION_SET_NOT_PROVISIONED",
) {
  const output = await sso.send(new ListAccountsForProvisionedPermissionSetCommand({ ...target, ProvisioningStatus }));
  return output.AccountIds;
}

describe("inline policy of a permission set", () => {
  it("puts, gets verbatim and deletes; an absent policy reads as an empty string or, when configured, no member", async () => {
    expect(await get()).toBe("");
    const spaced = `{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}\n}`;
    await put(spaced);
    expect(await get()).toBe(spaced);
    await put(POLICY);
    expect(await get()).toBe(POLICY);
    await sso.send(new DeleteInlinePolicyFromPermissionSetCommand(target));
    expect(await get()).toBe("");
    // Deleting again is not an error.
    await sso.send(new DeleteInlinePolicyFromPermissionSetCommand(target));
    sim.setConfig({ emptyInlinePolicy: "omitted" });
    expect(await get()).toBeUndefined();
  });

  it("rejects characters outside Latin-1 and an over-long document with Coral-style messages", async () => {
    const nonLatin = POLICY.replace("CustomerRead", "Customer\u2011Read");
    const error = await rejectionOf(put(nonLatin, ssoNoRetry));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(
      /^1 validation error detected: Value '.*' at 'inlinePolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\u0009\\u000A\\u000D\\u0020-\\u00FF\]\+$/,
    );
    const tooLong = await rejectionOf(put(" ".repeat(32_769), ssoNoRetry));
    expect(tooLong.message).toContain("Member must have length less than or equal to 32768");
    expect(sim.getState().counters.calls.PutInlinePolicyToPermissionSet).toBe(2);
  });

  it("counts only non-whitespace bytes against the 10,240-byte limit", async () => {
    const statement = (index: number) => ({
      Sid: `S${index}`,
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { StringEquals: { "identitystore:userId": `${"0".repeat(10)}-${String(index).padStart(36, "0")}` } },
    });
    const statements = Array.from({ length: 200 }, (_, index) => statement(index));
    let fitting = statements;
    while (JSON.stringify({ Version: "2012-10-17", Statement: fitting }).length > 10_240)
      fitting = fitting.slice(0, -1);
    // Indentation does not count: the pretty-printed copy of a fitting document is accepted.
    const pretty = JSON.stringify({ Version: "2012-10-17", Statement: fitting }, null, 4);
    expect(pretty.length).toBeGreaterThan(10_240);
    await put(pretty);
    const tooBig = JSON.stringify({ Version: "2012-10-17", Statement: statements.slice(0, fitting.length + 1) });
    const error = await rejectionOf(put(tooBig, ssoNoRetry));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toBe(
      `Current size of the non-whitespace characters present in the InlinePolicy Document is ${tooBig.length} bytes which has exceeded the maximum limit of 10240 bytes`,
    );
    expect(await get()).toBe(pretty);
  });

  it.each([
    ["not JSON", "{", "Syntax errors in policy."],
    ["a JSON array", "[]", "Syntax errors in policy."],
    ["no Statement", JSON.stringify({ Version: "2012-10-17" }), "Missing required field Statement."],
    [
      "an unknown Version",
      JSON.stringify({ Version: "2020-01-01", Statement: [] }),
      "The policy must contain a valid version string.",
    ],
    ["an empty Statement list", JSON.stringify({ Statement: [] }), "Syntax errors in policy."],
    ["no Effect", JSON.stringify({ Statement: { Action: "*", Resource: "*" } }), "Missing required field Effect."],
    [
      "an Effect of Maybe",
      JSON.stringify({ Statement: { Effect: "Maybe", Action: "*", Resource: "*" } }),
      "Invalid effect: Maybe.",
    ],
    [
      "no Action",
      JSON.stringify({ Statement: { Effect: "Allow", Resource: "*" } }),
      "Policy statement must contain actions.",
    ],
    [
      "no Resource",
      JSON.stringify({ Statement: { Effect: "Allow", Action: "*" } }),
      "Policy statement must contain resources.",
    ],
    [
      "a Principal",
      JSON.stringify({ Statement: { Effect: "Allow", Principal: "*", Action: "*", Resource: "*" } }),
      "Policy document should not specify a principal.",
    ],
    [
      "a malformed action",
      JSON.stringify({ Statement: { Effect: "Allow", Action: "everything", Resource: "*" } }),
      "Action everything is not in the service:action format.",
    ],
    [
      "an unknown condition operator",
      JSON.stringify({
        Statement: {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateBefore: { "aws:TokenIssueTime": "2026-01-01T00:00:00Z" } },
        },
      }),
      "Invalid Condition type : DateBefore.",
    ],
    [
      "a Sid with a hyphen",
      JSON.stringify({ Statement: { Sid: "Jit-Revoke", Effect: "Deny", Action: "*", Resource: "*" } }),
      "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*.",
    ],
    [
      "duplicate Sids",
      JSON.stringify({
        Statement: [
          { Sid: "A", Effect: "Deny", Action: "*", Resource: "*" },
          { Sid: "A", Effect: "Allow", Action: "*", Resource: "*" },
        ],
      }),
      "Statement IDs (SID) in a single policy must be unique.",
    ],
  ])("rejects %s as an invalid PermissionsPolicy Document", async (_label, document, problem) => {
    await put(POLICY);
    const error = await rejectionOf(put(document, ssoNoRetry));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toBe(`Invalid PermissionsPolicy Document: ${problem}`);
    expect(await get()).toBe(POLICY);
  });

  it("answers ResourceNotFoundException for an unknown permission set", async () => {
    const error = await rejectionOf(
      sso.send(
        new PutInlinePolicyToPermissionSetCommand({
          InstanceArn: INSTANCE_ARN,
          PermissionSetArn: readOnly.arn.replace(/ps-\w+$/, "ps-0000000000000000"),
          InlinePolicy: POLICY,
        }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it("injects throttling, AccessDenied and ConflictException through scripted faults", async () => {
    sim.setConfig({
      nextFaults: [
        { operation: "PutInlinePolicyToPermissionSet", fault: "conflict", count: 1 },
        { operation: "GetInlinePolicyForPermissionSet", fault: "throttle", count: 1 },
        { operation: "DeleteInlinePolicyFromPermissionSet", fault: "access-denied", count: 1 },
      ],
    });
    expect(await rejectionOf(put(POLICY))).toBeInstanceOf(ConflictException);
    expect(await rejectionOf(ssoNoRetry.send(new GetInlinePolicyForPermissionSetCommand(target)))).toBeInstanceOf(
      ThrottlingException,
    );
    expect((await rejectionOf(sso.send(new DeleteInlinePolicyFromPermissionSetCommand(target)))).name).toBe(
      "AccessDeniedException",
    );
    expect(await get()).toBe("");
  });
});

describe("provisioning the inline policy to accounts", () => {
  it("marks every provisioned account NOT_PROVISIONED after an edit until provisioning SUCCEEDED ships that version", async () => {
    await assignment("create", alice.userId, paymentsProd.id);
    await assignment("create", bob.userId, dataProd.id);
    expect(await accounts("LATEST_PERMISSION_SET_PROVISIONED")).toEqual([paymentsProd.id, dataProd.id]);
    await put(POLICY);
    expect(await accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")).toEqual([paymentsProd.id, dataProd.id]);
    expect(await accounts()).toEqual([paymentsProd.id, dataProd.id]);

    const started = await provision();
    expect(started).toMatchObject({
      Status: "IN_PROGRESS",
      AccountId: paymentsProd.id,
      PermissionSetArn: readOnly.arn,
    });
    expect(started.RequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(started.CreatedDate).toBeInstanceOf(Date);
    expect((await settled(started.RequestId!)).Status).toBe("SUCCEEDED");
    expect(await accounts("LATEST_PERMISSION_SET_PROVISIONED")).toEqual([paymentsProd.id]);
    expect(await accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")).toEqual([dataProd.id]);
    const copies = sim.getState().provisioned.filter((record) => record.permissionSetArn === readOnly.arn);
    expect(copies.find((record) => record.accountId === paymentsProd.id)?.inlinePolicy).toBe(POLICY);
    expect(copies.find((record) => record.accountId === dataProd.id)?.inlinePolicy).toBeUndefined();

    const all = await provision({ TargetType: "ALL_PROVISIONED_ACCOUNTS" });
    expect(all.AccountId).toBeUndefined();
    expect((await settled(all.RequestId!)).Status).toBe("SUCCEEDED");
    expect(await accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")).toEqual([]);
    const listed = await sso.send(
      new ListPermissionSetProvisioningStatusCommand({ InstanceArn: INSTANCE_ARN, Filter: { Status: "SUCCEEDED" } }),
    );
    expect(listed.PermissionSetsProvisioningStatus!.map((item) => item.RequestId)).toEqual([
      started.RequestId,
      all.RequestId,
    ]);
  });

  it("ships the version current when provisioning started: an edit made meanwhile stays NOT_PROVISIONED", async () => {
    await assignment("create", alice.userId);
    sim.setConfig({ asyncDelayMs: 1500 });
    await put(POLICY);
    const started = await provision();
    await put(POLICY.replace("s3:GetObject", "s3:ListBucket"));
    expect(sim.getState().inFlightProvisioning.map((operation) => operation.requestId)).toEqual([started.RequestId]);
    expect((await settled(started.RequestId!)).Status).toBe("SUCCEEDED");
    expect(await accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")).toEqual([paymentsProd.id]);
    expect(sim.getState().provisioned.find((record) => record.accountId === paymentsProd.id)?.inlinePolicy).toBe(
      POLICY,
    );
  });

  it("answers ConflictException while another provisioning of the same permission set is in progress", async () => {
    await assignment("create", alice.userId);
    await assignment("create", bob.userId, dataProd.id);
    sim.setConfig({ asyncDelayMs: 60_000 });
    await provision();
    const error = await rejectionOf(
      ssoNoRetry.send(
        new ProvisionPermissionSetCommand({ ...target, TargetType: "AWS_ACCOUNT", TargetId: dataProd.id }),
      ),
    );
    expect(error).toBeInstanceOf(ConflictException);
    expect(sim.getState().counters.calls.ProvisionPermissionSet).toBe(2);
  });

  it("requires TargetId for AWS_ACCOUNT and a known account", async () => {
    const missing = await rejectionOf(
      ssoNoRetry.send(new ProvisionPermissionSetCommand({ ...target, TargetType: "AWS_ACCOUNT" })),
    );
    expect(missing).toBeInstanceOf(ValidationException);
    const unknown = await rejectionOf(
      ssoNoRetry.send(
        new ProvisionPermissionSetCommand({ ...target, TargetType: "AWS_ACCOUNT", TargetId: "999999999999" }),
      ),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
  });

  it("ends FAILED on a failure rule, keeping the account on its old copy", async () => {
    await assignment("create", alice.userId);
    sim.setConfig({ failureRules: [{ kind: "provision", permissionSetArn: readOnly.arn }] });
    await put(POLICY);
    const failed = await settled((await provision()).RequestId!);
    expect(failed).toMatchObject({ Status: "FAILED", FailureReason: FAILURE_REASONS.internal });
    expect(await accounts("LATEST_PERMISSION_SET_NOT_PROVISIONED")).toEqual([paymentsProd.id]);
  });

  it("fails provisioning of a policy that was stored without validation (out of band) and keeps the old copy", async () => {
    await assignment("create", alice.userId);
    const response = await fetch(`${sim.url}/__sim/inline-policy`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ permissionSetArn: readOnly.arn, inlinePolicy: "{not json" }),
    });
    expect(response.status).toBe(200);
    expect(await get()).toBe("{not json");
    const failed = await settled((await provision()).RequestId!);
    expect(failed).toMatchObject({
      Status: "FAILED",
      FailureReason: FAILURE_REASONS.malformedInlinePolicy("Syntax errors in policy."),
    });
  });
});

describe("de-provisioning with the last assignment", () => {
  it("removes the account from the provisioned list only when the last assignment there goes", async () => {
    await assignment("create", alice.userId);
    await assignment("create", bob.userId);
    await assignment("delete", alice.userId);
    expect(await accounts()).toEqual([paymentsProd.id]);
    await assignment("delete", bob.userId);
    expect(await accounts()).toEqual([]);
  });

  it("then fails provisioning to that account with the observed 404, or creates the role when configured", async () => {
    await assignment("create", alice.userId);
    await assignment("delete", alice.userId);
    await put(POLICY);
    expect(await settled((await provision()).RequestId!)).toMatchObject({
      Status: "FAILED",
      FailureReason: FAILURE_REASONS.assignmentNotFound,
    });
    expect(await accounts()).toEqual([]);

    sim.setConfig({ provisionWithoutAssignment: "creates-role" });
    expect((await settled((await provision()).RequestId!)).Status).toBe("SUCCEEDED");
    expect(await accounts("LATEST_PERMISSION_SET_PROVISIONED")).toEqual([paymentsProd.id]);
  });

  it("a re-created assignment provisions the current version again", async () => {
    await assignment("create", alice.userId);
    await assignment("delete", alice.userId);
    await put(POLICY);
    await assignment("create", alice.userId);
    expect(await accounts("LATEST_PERMISSION_SET_PROVISIONED")).toEqual([paymentsProd.id]);
    expect(sim.getState().provisioned.find((record) => record.accountId === paymentsProd.id)?.inlinePolicy).toBe(
      POLICY,
    );
  });
});

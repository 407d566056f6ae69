import { ListAccountAliasesCommand } from "@aws-sdk/client-iam";
import {
  GetRoleCredentialsCommand,
  ListAccountRolesCommand,
  ListAccountsCommand,
  LogoutCommand,
  UnauthorizedException,
  type RoleCredentials,
} from "@aws-sdk/client-sso";
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetProvisioningStatusCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator, userClients, waitUntil } from "./testing";

// A simulated engineer holds role credentials across a revocation, exactly as `aws sso login` + the CLI would.

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const alice = seedUser("alice");
const bob = seedUser("bob");
const readOnly = seedPermissionSet("ReadOnly");
const paymentsProd = seedAccount("payments-prod");
const dataProd = seedAccount("data-prod");

let sim: SimulatorHandle;
let sso: SSOAdminClient;
let user: ReturnType<typeof userClients>;

beforeAll(async () => {
  sim = await startTestSimulator();
  sso = sdkClients(sim.url).ssoAdmin;
  user = userClients(sim.url);
});
beforeEach(() => sim.reset());
afterEach(() => vi.useRealTimers());
afterAll(() => sim.close());

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

async function assign(principalId: string, accountId = paymentsProd.id) {
  const input = {
    InstanceArn: INSTANCE_ARN,
    TargetId: accountId,
    TargetType: "AWS_ACCOUNT" as const,
    PermissionSetArn: readOnly.arn,
    PrincipalType: "USER" as const,
    PrincipalId: principalId,
  };
  const started = await sso.send(new CreateAccountAssignmentCommand(input));
  const done = await waitUntil(
    () =>
      sso.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentCreationRequestId: started.AccountAssignmentCreationStatus!.RequestId!,
        }),
      ),
    (output) => output.AccountAssignmentCreationStatus!.Status !== "IN_PROGRESS",
  );
  expect(done.AccountAssignmentCreationStatus!.Status).toBe("SUCCEEDED");
  return input;
}

async function unassign(input: Awaited<ReturnType<typeof assign>>) {
  const started = await sso.send(new DeleteAccountAssignmentCommand(input));
  const done = await waitUntil(
    () =>
      sso.send(
        new DescribeAccountAssignmentDeletionStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentDeletionRequestId: started.AccountAssignmentDeletionStatus!.RequestId!,
        }),
      ),
    (output) => output.AccountAssignmentDeletionStatus!.Status !== "IN_PROGRESS",
  );
  expect(done.AccountAssignmentDeletionStatus!.Status).toBe("SUCCEEDED");
}

async function provision(accountId = paymentsProd.id) {
  const { PermissionSetProvisioningStatus: started } = await sso.send(
    new ProvisionPermissionSetCommand({
      InstanceArn: INSTANCE_ARN,
      PermissionSetArn: readOnly.arn,
      TargetType: "AWS_ACCOUNT",
      TargetId: accountId,
    }),
  );
  expect(started!.Status).toBe("IN_PROGRESS");
  const done = await waitUntil(
    () =>
      sso.send(
        new DescribePermissionSetProvisioningStatusCommand({
          InstanceArn: INSTANCE_ARN,
          ProvisionPermissionSetRequestId: started!.RequestId!,
        }),
      ),
    (output) => output.PermissionSetProvisioningStatus!.Status !== "IN_PROGRESS",
  );
  return done.PermissionSetProvisioningStatus!;
}

/** The control endpoint a dev uses instead of the OIDC device flow. */
async function signIn(userId: string): Promise<string> {
  const response = await fetch(`${sim.url}/__sim/portal-tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function roleCredentials(accessToken: string, accountId = paymentsProd.id): Promise<Credentials> {
  const output = await user.portal.send(
    new GetRoleCredentialsCommand({ accessToken, accountId, roleName: readOnly.name }),
  );
  const { accessKeyId, secretAccessKey, sessionToken } = output.roleCredentials as Required<RoleCredentials>;
  return { accessKeyId, secretAccessKey, sessionToken };
}

const aliases = (credentials: Credentials) => user.iam(credentials).send(new ListAccountAliasesCommand({}));

function denyBefore(userId: string, cutoff: Date, sid = "JitRevokeAlice") {
  return {
    Sid: sid,
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: {
      StringEquals: { "identitystore:userId": userId },
      DateLessThan: { "aws:TokenIssueTime": cutoff.toISOString() },
    },
  };
}

const CUSTOMER_STATEMENT = { Sid: "CustomerS3Read", Effect: "Allow", Action: ["s3:Get*"], Resource: "*" };

async function putPolicy(statements: object[]) {
  await sso.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn: INSTANCE_ARN,
      PermissionSetArn: readOnly.arn,
      InlinePolicy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    }),
  );
}

async function notProvisionedAccounts() {
  const output = await sso.send(
    new ListAccountsForProvisionedPermissionSetCommand({
      InstanceArn: INSTANCE_ARN,
      PermissionSetArn: readOnly.arn,
      ProvisioningStatus: "LATEST_PERMISSION_SET_NOT_PROVISIONED",
    }),
  );
  return output.AccountIds;
}

describe("a live session across a revocation", () => {
  it("keeps working until the deny is provisioned, is then denied, while fresh credentials and other users work", async () => {
    await assign(alice.userId);
    await assign(bob.userId);
    const aliceOld = await roleCredentials(await signIn(alice.userId));
    const bobOld = await roleCredentials(await signIn(bob.userId));
    expect(aliceOld.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect((await aliases(aliceOld)).AccountAliases).toEqual(["payments-prod"]);

    const cutoff = new Date(Date.now() + 1000);
    await putPolicy([CUSTOMER_STATEMENT, denyBefore(alice.userId, cutoff)]);
    expect(await notProvisionedAccounts()).toEqual([paymentsProd.id]);
    // The account still runs the old copy: the edit alone revokes nothing.
    expect((await aliases(aliceOld)).AccountAliases).toEqual(["payments-prod"]);

    expect((await provision()).Status).toBe("SUCCEEDED");
    expect(await notProvisionedAccounts()).toEqual([]);
    const denied = await rejectionOf(aliases(aliceOld));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.message).toMatch(
      /^User: arn:aws:sts::210987654321:assumed-role\/AWSReservedSSO_ReadOnly_[0-9a-f]{16}\/alice\S* is not authorized to perform: iam:ListAccountAliases on resource: \* with an explicit deny in an identity-based policy$/,
    );
    expect((denied.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    // Bob's session of the same permission set is not his to lose.
    expect((await aliases(bobOld)).AccountAliases).toEqual(["payments-prod"]);

    // GetCallerIdentity needs no permission, so it answers under the deny and proves nothing.
    const identity = await user.sts(aliceOld).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(paymentsProd.id);
    expect(identity.Arn).toMatch(/^arn:aws:sts::210987654321:assumed-role\/AWSReservedSSO_ReadOnly_[0-9a-f]{16}\//);
    expect(identity.UserId).toMatch(/^AROA[A-Z2-7]{17}:/);

    // aws:TokenIssueTime compares to the second, so wait until a whole second past the cut-off.
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(cutoff.getTime() / 1000) * 1000 - Date.now() + 50));
    const aliceFresh = await roleCredentials(await signIn(alice.userId));
    expect((await aliases(aliceFresh)).AccountAliases).toEqual(["payments-prod"]);
    expect((await rejectionOf(aliases(aliceOld))).name).toBe("AccessDenied");
  });

  it("a session outlives its assignment: only a deny provisioned before the last assignment goes reaches it", async () => {
    const aliceAssignment = await assign(alice.userId);
    const token = await signIn(alice.userId);
    const before = await roleCredentials(token);

    await unassign(aliceAssignment);
    const refused = await rejectionOf(roleCredentials(token));
    expect(refused.name).toBe("ForbiddenException");
    expect(refused.message).toBe("No access");
    // The role is gone (de-provisioned) but the session keeps its last policy copy until it expires.
    expect(
      (
        await sso.send(
          new ListAccountsForProvisionedPermissionSetCommand({
            InstanceArn: INSTANCE_ARN,
            PermissionSetArn: readOnly.arn,
          }),
        )
      ).AccountIds,
    ).toEqual([]);
    expect((await aliases(before)).AccountAliases).toEqual(["payments-prod"]);

    // Too late: provisioning to an account without an assignment fails, so the deny never reaches the session.
    await putPolicy([denyBefore(alice.userId, new Date(Date.now() + 1000))]);
    const failed = await provision();
    expect(failed).toMatchObject({
      Status: "FAILED",
      FailureReason: "Received a 404 status error: Assignment not found.",
    });
    expect((await aliases(before)).AccountAliases).toEqual(["payments-prod"]);

    // The right order: deny provisioned while the assignment exists, then the assignment removed.
    const again = await assign(alice.userId);
    const second = await roleCredentials(await signIn(alice.userId));
    await putPolicy([denyBefore(alice.userId, new Date(Date.now() + 1000))]);
    expect((await provision()).Status).toBe("SUCCEEDED");
    await unassign(again);
    expect((await rejectionOf(aliases(second))).name).toBe("AccessDenied");
  });
});

describe("the access portal", () => {
  it("lists only assigned accounts and roles, and refuses an unassigned role with ForbiddenException", async () => {
    await assign(alice.userId);
    const token = await signIn(alice.userId);
    const accounts = await user.portal.send(new ListAccountsCommand({ accessToken: token }));
    expect(accounts.accountList).toEqual([
      { accountId: paymentsProd.id, accountName: "payments-prod", emailAddress: "aws+payments-prod@example.com" },
    ]);
    const roles = await user.portal.send(
      new ListAccountRolesCommand({ accessToken: token, accountId: paymentsProd.id }),
    );
    expect(roles.roleList).toEqual([{ roleName: "ReadOnly", accountId: paymentsProd.id }]);

    const forbidden = await rejectionOf(roleCredentials(token, dataProd.id));
    expect(forbidden.name).toBe("ForbiddenException");
    expect((forbidden.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it("returns expiration in epoch milliseconds: issue time plus the permission set's session duration", async () => {
    await assign(alice.userId);
    const before = Date.now();
    const output = await user.portal.send(
      new GetRoleCredentialsCommand({
        accessToken: await signIn(alice.userId),
        accountId: paymentsProd.id,
        roleName: "ReadOnly",
      }),
    );
    const expiration = output.roleCredentials!.expiration!;
    expect(expiration).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(sim.getState().roleSessions).toEqual([
      expect.objectContaining({ userId: alice.userId, accountId: paymentsProd.id, permissionSetArn: readOnly.arn }),
    ]);
  });

  it("answers UnauthorizedException for an unknown token and after Logout, which leaves role sessions alive", async () => {
    await assign(alice.userId);
    expect(await rejectionOf(roleCredentials("not-a-token"))).toBeInstanceOf(UnauthorizedException);
    const token = await signIn(alice.userId);
    const credentials = await roleCredentials(token);
    await user.portal.send(new LogoutCommand({ accessToken: token }));
    const after = await rejectionOf(roleCredentials(token));
    expect(after).toBeInstanceOf(UnauthorizedException);
    expect((after.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(401);
    expect((await aliases(credentials)).AccountAliases).toEqual(["payments-prod"]);
  });

  it("refuses a token for an unknown user at the control endpoint", async () => {
    const response = await fetch(`${sim.url}/__sim/portal-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "nobody" }),
    });
    expect(response.status).toBe(400);
  });
});

describe("role-session credentials on the IAM wire", () => {
  it("rejects a wrong secret, an unknown key and an expired session with IAM's credential errors", async () => {
    await assign(alice.userId);
    const credentials = await roleCredentials(await signIn(alice.userId));
    const wrongSecret = await rejectionOf(aliases({ ...credentials, secretAccessKey: "x".repeat(40) }));
    expect(wrongSecret.name).toBe("SignatureDoesNotMatch");
    const unknownKey = await rejectionOf(aliases({ ...credentials, accessKeyId: "ASIAAAAAAAAAAAAAAAAA" }));
    expect(unknownKey.name).toBe("InvalidClientTokenId");
    const wrongToken = await rejectionOf(aliases({ ...credentials, sessionToken: "forged" }));
    expect(wrongToken.name).toBe("InvalidClientTokenId");

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3601_000 });
    const expired = await rejectionOf(aliases(credentials));
    expect(expired.name).toBe("ExpiredToken");
    expect((expired.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect((await rejectionOf(user.sts(credentials).send(new GetCallerIdentityCommand({})))).name).toBe("ExpiredToken");
  });

  it("throttles and fails on scripted faults like the other services", async () => {
    await assign(alice.userId);
    const credentials = await roleCredentials(await signIn(alice.userId));
    sim.setConfig({
      nextFaults: [
        { operation: "ListAccountAliases", fault: "throttle", count: 1 },
        { operation: "GetRoleCredentials", fault: "throttle", count: 1 },
      ],
    });
    expect((await rejectionOf(aliases(credentials))).name).toBe("Throttling");
    expect((await rejectionOf(roleCredentials(await signIn(alice.userId)))).name).toBe("TooManyRequestsException");
    expect(sim.getState().counters.errors).toMatchObject({ Throttling: 1, TooManyRequestsException: 1 });
  });
});

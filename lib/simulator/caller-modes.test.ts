import { DescribeUserCommand } from "@aws-sdk/client-identitystore";
import {
  AccessDeniedException as OrganizationsAccessDeniedException,
  DescribeOrganizationCommand,
  ListAccountsCommand,
} from "@aws-sdk/client-organizations";
import {
  AccessDeniedException,
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
  ListPermissionSetsProvisionedToAccountCommand,
  UpdatePermissionSetCommand,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DELEGATED_ADMIN_ACCOUNT_ID,
  DEMO_SEED,
  MANAGEMENT_ACCOUNT_ID,
  seedAccount,
  seedPermissionSet,
  seedUser,
} from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator, type SdkClients } from "./testing";

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const alice = seedUser("alice");
const dave = seedUser("dave");
const readOnly = seedPermissionSet("ReadOnly");
const administratorAccess = seedPermissionSet("AdministratorAccess");
const paymentsProd = seedAccount("payments-prod");
const sandboxErin = seedAccount("sandbox-erin");
const securityTooling = seedAccount("security-tooling");

let sim: SimulatorHandle;
let clients: SdkClients;

beforeAll(async () => {
  sim = await startTestSimulator();
  clients = sdkClients(sim.url);
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

function assignment(targetId: string, permissionSetArn: string, principalId = alice.userId) {
  return {
    InstanceArn: INSTANCE_ARN,
    TargetId: targetId,
    TargetType: "AWS_ACCOUNT" as const,
    PermissionSetArn: permissionSetArn,
    PrincipalType: "USER" as const,
    PrincipalId: principalId,
  };
}

describe("delegated administrator caller", () => {
  beforeEach(() => {
    sim.setConfig({ callerMode: "delegated-admin" });
  });

  it("is denied assignments that target the management account", async () => {
    const error = await rejectionOf(
      clients.ssoAdmin.send(new CreateAccountAssignmentCommand(assignment(MANAGEMENT_ACCOUNT_ID, readOnly.arn))),
    );
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect((error as unknown as AccessDeniedException).$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(
      new RegExp(
        `^User: arn:aws:sts::${DELEGATED_ADMIN_ACCOUNT_ID}:assumed-role/[^/]+/[^ ]+ is not authorized to perform: sso:CreateAccountAssignment on resource: arn:aws:sso:::permissionSet/`,
      ),
    );
  });

  it("is denied any assignment using a permission set provisioned to the management account", async () => {
    // Allowed while AdministratorAccess has no role in the management account...
    const before = await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand(assignment(paymentsProd.id, administratorAccess.arn)),
    );
    expect(before.AccountAssignmentCreationStatus!.Status).toBe("IN_PROGRESS");
    // ...denied everywhere once someone assigned it there out of band.
    sim.seedAssignment({
      accountId: MANAGEMENT_ACCOUNT_ID,
      permissionSetArn: administratorAccess.arn,
      principalType: "USER",
      principalId: dave.userId,
    });
    const error = await rejectionOf(
      clients.ssoAdmin.send(new CreateAccountAssignmentCommand(assignment(sandboxErin.id, administratorAccess.arn))),
    );
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.message).toContain(`sso:CreateAccountAssignment on resource: ${administratorAccess.arn}`);
    expect(
      await rejectionOf(
        clients.ssoAdmin.send(
          new DeleteAccountAssignmentCommand(assignment(securityTooling.id, administratorAccess.arn, dave.userId)),
        ),
      ),
    ).toBeInstanceOf(AccessDeniedException);
    expect(
      await rejectionOf(
        clients.ssoAdmin.send(
          new UpdatePermissionSetCommand({
            InstanceArn: INSTANCE_ARN,
            PermissionSetArn: administratorAccess.arn,
            SessionDuration: "PT2H",
          }),
        ),
      ),
    ).toBeInstanceOf(AccessDeniedException);
  });

  it("may still assign other permission sets to member accounts and read what is provisioned where", async () => {
    sim.seedAssignment({
      accountId: MANAGEMENT_ACCOUNT_ID,
      permissionSetArn: administratorAccess.arn,
      principalType: "USER",
      principalId: dave.userId,
    });
    const { AccountAssignmentCreationStatus } = await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand(assignment(paymentsProd.id, readOnly.arn)),
    );
    expect(AccountAssignmentCreationStatus!.Status).toBe("IN_PROGRESS");
    const provisioned = await clients.ssoAdmin.send(
      new ListPermissionSetsProvisionedToAccountCommand({
        InstanceArn: INSTANCE_ARN,
        AccountId: MANAGEMENT_ACCOUNT_ID,
      }),
    );
    expect(provisioned.PermissionSets).toEqual([administratorAccess.arn]);
    const forDave = await clients.ssoAdmin.send(
      new ListAccountAssignmentsForPrincipalCommand({
        InstanceArn: INSTANCE_ARN,
        PrincipalId: dave.userId,
        PrincipalType: "USER",
      }),
    );
    expect(forDave.AccountAssignments!.map((item) => item.AccountId).sort()).toEqual(
      [MANAGEMENT_ACCOUNT_ID, securityTooling.id].sort(),
    );
    expect((await clients.organizations.send(new ListAccountsCommand({}))).Accounts).toHaveLength(
      DEMO_SEED.accounts.length,
    );
  });
});

describe("plain member-account caller", () => {
  beforeEach(() => {
    sim.setConfig({ callerMode: "member" });
  });

  it("is denied Organizations reads except DescribeOrganization", async () => {
    expect(await rejectionOf(clients.organizations.send(new ListAccountsCommand({})))).toBeInstanceOf(
      OrganizationsAccessDeniedException,
    );
    expect((await clients.organizations.send(new DescribeOrganizationCommand({}))).Organization!.MasterAccountId).toBe(
      MANAGEMENT_ACCOUNT_ID,
    );
  });

  it("is denied the Identity Center and identity store APIs", async () => {
    expect(await rejectionOf(clients.ssoAdmin.send(new ListInstancesCommand({})))).toBeInstanceOf(
      AccessDeniedException,
    );
    const denied = await rejectionOf(
      clients.identityStore.send(
        new DescribeUserCommand({ IdentityStoreId: DEMO_SEED.identityStoreId, UserId: alice.userId }),
      ),
    );
    expect(denied.name).toBe("AccessDeniedException");
  });
});

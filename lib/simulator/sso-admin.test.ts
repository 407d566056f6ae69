import {
  ConflictException,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  ListAccountAssignmentsCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListInstancesCommand,
  ListPermissionSetProvisioningStatusCommand,
  ListPermissionSetsCommand,
  ListPermissionSetsProvisionedToAccountCommand,
  ListTagsForResourceCommand,
  ProvisionPermissionSetCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  SSOAdminServiceException,
  ThrottlingException,
  UpdatePermissionSetCommand,
  ValidationException,
  paginateListAccountAssignmentCreationStatus,
  paginateListAccountAssignmentDeletionStatus,
  paginateListAccountAssignments,
  paginateListAccountAssignmentsForPrincipal,
  paginateListPermissionSets,
  type AccountAssignmentOperationStatus,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FAILURE_REASONS } from "./operations";
import { DEMO_SEED, MANAGEMENT_ACCOUNT_ID, seedAccount, seedGroup, seedPermissionSet, seedUser } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator, waitUntil } from "./testing";

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const alice = seedUser("alice");
const bob = seedUser("bob");
const dave = seedUser("dave");
const readOnly = seedPermissionSet("ReadOnly");
const powerUser = seedPermissionSet("PowerUser");
const administratorAccess = seedPermissionSet("AdministratorAccess");
const paymentsProd = seedAccount("payments-prod");
const dataProd = seedAccount("data-prod");
const securityTooling = seedAccount("security-tooling");

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

function assignment(
  overrides: Partial<{
    TargetId: string;
    PermissionSetArn: string;
    PrincipalType: "USER" | "GROUP";
    PrincipalId: string;
  }> = {},
) {
  return {
    InstanceArn: INSTANCE_ARN,
    TargetId: paymentsProd.id,
    TargetType: "AWS_ACCOUNT" as const,
    PermissionSetArn: readOnly.arn,
    PrincipalType: "USER" as const,
    PrincipalId: alice.userId,
    ...overrides,
  };
}

async function settledCreation(requestId: string): Promise<AccountAssignmentOperationStatus> {
  const status = await waitUntil(
    () =>
      sso.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentCreationRequestId: requestId,
        }),
      ),
    (output) => output.AccountAssignmentCreationStatus?.Status !== "IN_PROGRESS",
  );
  return status.AccountAssignmentCreationStatus!;
}

async function settledDeletion(requestId: string): Promise<AccountAssignmentOperationStatus> {
  const status = await waitUntil(
    () =>
      sso.send(
        new DescribeAccountAssignmentDeletionStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentDeletionRequestId: requestId,
        }),
      ),
    (output) => output.AccountAssignmentDeletionStatus?.Status !== "IN_PROGRESS",
  );
  return status.AccountAssignmentDeletionStatus!;
}

async function create(overrides: Parameters<typeof assignment>[0] = {}) {
  const output = await sso.send(new CreateAccountAssignmentCommand(assignment(overrides)));
  return output.AccountAssignmentCreationStatus!;
}

async function principalsOn(accountId: string, permissionSetArn: string): Promise<string[]> {
  const output = await sso.send(
    new ListAccountAssignmentsCommand({
      InstanceArn: INSTANCE_ARN,
      AccountId: accountId,
      PermissionSetArn: permissionSetArn,
    }),
  );
  return (output.AccountAssignments ?? []).map((item) => item.PrincipalId!);
}

async function provisionedTo(
  accountId: string,
  provisioningStatus?: "LATEST_PERMISSION_SET_PROVISIONED" | "LATEST_PERMISSION_SET_NOT_PROVISIONED",
) {
  const output = await sso.send(
    new ListPermissionSetsProvisionedToAccountCommand({
      InstanceArn: INSTANCE_ARN,
      AccountId: accountId,
      ProvisioningStatus: provisioningStatus,
    }),
  );
  return output.PermissionSets ?? [];
}

describe("instances and permission sets", () => {
  it("lists the one organization instance with its identity store", async () => {
    const { Instances } = await sso.send(new ListInstancesCommand({}));
    expect(Instances).toHaveLength(1);
    expect(Instances![0]).toMatchObject({
      InstanceArn: INSTANCE_ARN,
      IdentityStoreId: DEMO_SEED.identityStoreId,
      OwnerAccountId: MANAGEMENT_ACCOUNT_ID,
      Status: "ACTIVE",
    });
    expect(Instances![0]!.CreatedDate).toBeInstanceOf(Date);
    expect(Instances![0]!.CreatedDate!.getTime()).toBe(DEMO_SEED.instanceCreatedAtMs);
  });

  it("pages through permission sets with the SDK paginator", async () => {
    const pages: string[][] = [];
    for await (const page of paginateListPermissionSets({ client: sso, pageSize: 1 }, { InstanceArn: INSTANCE_ARN }))
      pages.push(page.PermissionSets ?? []);
    expect(pages).toHaveLength(4);
    expect(pages.flat()).toEqual(DEMO_SEED.permissionSets.map((set) => set.arn));
  });

  it("describes a permission set with its session duration", async () => {
    const { PermissionSet } = await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: INSTANCE_ARN, PermissionSetArn: powerUser.arn }),
    );
    expect(PermissionSet).toMatchObject({
      Name: "PowerUser",
      PermissionSetArn: powerUser.arn,
      SessionDuration: "PT4H",
    });
    expect(PermissionSet!.CreatedDate).toBeInstanceOf(Date);
  });

  it("answers ResourceNotFoundException for an unknown permission set or instance", async () => {
    const unknownSet = readOnly.arn.replace(/ps-[0-9a-f]{16}$/, "ps-0000000000000000");
    expect(
      await rejectionOf(
        sso.send(new DescribePermissionSetCommand({ InstanceArn: INSTANCE_ARN, PermissionSetArn: unknownSet })),
      ),
    ).toBeInstanceOf(ResourceNotFoundException);
    const otherInstance = "arn:aws:sso:::instance/ssoins-0000000000000000";
    expect(await rejectionOf(sso.send(new ListPermissionSetsCommand({ InstanceArn: otherInstance })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it("rejects malformed input with a Coral-style ValidationException and the SDK does not retry it", async () => {
    const error = await rejectionOf(
      sso.send(new ListPermissionSetsCommand({ InstanceArn: "arn:aws:sso:::instance/nope" })),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toBe(
      "1 validation error detected: Value 'arn:aws:sso:::instance/nope' at 'instanceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}",
    );
    expect((error as unknown as ValidationException).$metadata.attempts).toBe(1);
    expect((error as unknown as ValidationException).$metadata.httpStatusCode).toBe(400);

    const several = await rejectionOf(
      sso.send(
        new ListPermissionSetsCommand({ InstanceArn: INSTANCE_ARN, MaxResults: 101, NextToken: "not a token!" }),
      ),
    );
    expect(several.message).toMatch(/^2 validation errors detected: /);
    expect(several.message).toContain(
      "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(several.message).toContain(
      "at 'nextToken' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
  });

  it("validates required members, enums and lengths of an assignment", async () => {
    const error = await rejectionOf(
      sso.send(
        new CreateAccountAssignmentCommand({
          ...assignment(),
          TargetId: "12345",
          PrincipalType: "ROLE" as "USER",
          PrincipalId: undefined as unknown as string,
        }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toMatch(/^4 validation errors detected: /);
    expect(error.message).toContain(
      "Value '12345' at 'targetId' failed to satisfy constraint: Member must have length greater than or equal to 12",
    );
    expect(error.message).toContain(
      "Value 'ROLE' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]",
    );
    expect(error.message).toContain(
      "Value null at 'principalId' failed to satisfy constraint: Member must not be null",
    );
  });

  it("answers an operation it does not implement with UnknownOperationException", async () => {
    const error = await rejectionOf(
      sso.send(new CreatePermissionSetCommand({ InstanceArn: INSTANCE_ARN, Name: "Extra" })),
    );
    expect(error).toBeInstanceOf(SSOAdminServiceException);
    expect(error.name).toBe("UnknownOperationException");
    expect((error as unknown as SSOAdminServiceException).$metadata.httpStatusCode).toBe(400);
  });

  it("returns empty tags for a permission set", async () => {
    const output = await sso.send(
      new ListTagsForResourceCommand({ InstanceArn: INSTANCE_ARN, ResourceArn: readOnly.arn }),
    );
    expect(output.Tags).toEqual([]);
  });
});

describe("account assignment lifecycle", () => {
  it("creates asynchronously: IN_PROGRESS first, listed only after SUCCEEDED, provisioned on first success", async () => {
    sim.setConfig({ asyncDelayMs: 500 });
    const started = await create();
    expect(started).toMatchObject({
      Status: "IN_PROGRESS",
      TargetId: paymentsProd.id,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: readOnly.arn,
      PrincipalType: "USER",
      PrincipalId: alice.userId,
    });
    expect(started.RequestId).toMatch(LOWER_CASE_UUID);
    expect(started.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs(started.CreatedDate!.getTime() - Date.now())).toBeLessThan(5_000);
    expect(await principalsOn(paymentsProd.id, readOnly.arn)).toEqual([]);
    expect(await provisionedTo(paymentsProd.id)).toEqual([]);

    const finished = await settledCreation(started.RequestId!);
    expect(finished).toMatchObject({ Status: "SUCCEEDED", RequestId: started.RequestId });
    expect(finished.FailureReason).toBeUndefined();
    expect(await principalsOn(paymentsProd.id, readOnly.arn)).toEqual([alice.userId]);
    expect(await provisionedTo(paymentsProd.id)).toEqual([readOnly.arn]);
    const accounts = await sso.send(
      new ListAccountsForProvisionedPermissionSetCommand({ InstanceArn: INSTANCE_ARN, PermissionSetArn: readOnly.arn }),
    );
    expect(accounts.AccountIds).toEqual([paymentsProd.id]);
    const forPrincipal = await sso.send(
      new ListAccountAssignmentsForPrincipalCommand({
        InstanceArn: INSTANCE_ARN,
        PrincipalId: alice.userId,
        PrincipalType: "USER",
      }),
    );
    expect(forPrincipal.AccountAssignments).toEqual([
      { AccountId: paymentsProd.id, PermissionSetArn: readOnly.arn, PrincipalId: alice.userId, PrincipalType: "USER" },
    ]);
  });

  it("re-creating an existing assignment succeeds again without a duplicate row", async () => {
    await settledCreation((await create()).RequestId!);
    const again = await create();
    expect(again.Status).toBe("IN_PROGRESS");
    expect((await settledCreation(again.RequestId!)).Status).toBe("SUCCEEDED");
    expect(await principalsOn(paymentsProd.id, readOnly.arn)).toEqual([alice.userId]);
  });

  it("deletes asynchronously: still listed while IN_PROGRESS, gone and deprovisioned after SUCCEEDED", async () => {
    await settledCreation((await create()).RequestId!);
    sim.setConfig({ asyncDelayMs: 500 });
    const { AccountAssignmentDeletionStatus: started } = await sso.send(
      new DeleteAccountAssignmentCommand(assignment()),
    );
    expect(started).toMatchObject({ Status: "IN_PROGRESS", TargetId: paymentsProd.id, PrincipalId: alice.userId });
    expect(started!.RequestId).toMatch(LOWER_CASE_UUID);
    expect(await principalsOn(paymentsProd.id, readOnly.arn)).toEqual([alice.userId]);
    expect((await settledDeletion(started!.RequestId!)).Status).toBe("SUCCEEDED");
    expect(await principalsOn(paymentsProd.id, readOnly.arn)).toEqual([]);
    expect(await provisionedTo(paymentsProd.id)).toEqual([]);
  });

  it("deleting a missing assignment is a synchronous ResourceNotFoundException by default", async () => {
    const error = await rejectionOf(sso.send(new DeleteAccountAssignmentCommand(assignment())));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as unknown as ResourceNotFoundException).$metadata.attempts).toBe(1);
  });

  it("can instead fail a missing delete asynchronously without a FailureReason", async () => {
    sim.setConfig({ missingDeleteBehavior: "async-failed" });
    const { AccountAssignmentDeletionStatus: started } = await sso.send(
      new DeleteAccountAssignmentCommand(assignment()),
    );
    expect(started!.Status).toBe("IN_PROGRESS");
    const finished = await settledDeletion(started!.RequestId!);
    expect(finished.Status).toBe("FAILED");
    expect(finished.FailureReason).toBeUndefined();
  });

  it("answers ConflictException while an operation on the same tuple is in flight, and the SDK does not retry it", async () => {
    sim.setConfig({ asyncDelayMs: 2_000 });
    await create();
    const secondCreate = await rejectionOf(sso.send(new CreateAccountAssignmentCommand(assignment())));
    expect(secondCreate).toBeInstanceOf(ConflictException);
    expect((secondCreate as unknown as ConflictException).$metadata.attempts).toBe(1);
    expect(await rejectionOf(sso.send(new DeleteAccountAssignmentCommand(assignment())))).toBeInstanceOf(
      ConflictException,
    );
    expect(sim.getState().counters.calls).toMatchObject({ CreateAccountAssignment: 2, DeleteAccountAssignment: 1 });
    // A different principal on the same account and permission set is independent by default.
    expect((await create({ PrincipalId: bob.userId })).Status).toBe("IN_PROGRESS");
  });

  it("can widen conflicts to any principal on the same account and permission set", async () => {
    sim.setConfig({ asyncDelayMs: 2_000, conflictScope: "account-permission-set" });
    await create();
    expect(
      await rejectionOf(sso.send(new CreateAccountAssignmentCommand(assignment({ PrincipalId: bob.userId })))),
    ).toBeInstanceOf(ConflictException);
    expect((await create({ PermissionSetArn: powerUser.arn })).Status).toBe("IN_PROGRESS");
  });

  it("caps in-flight creates per instance with ThrottlingException, or ConflictException when configured", async () => {
    sim.setConfig({ asyncDelayMs: 5_000, maxInflightCreates: 2 });
    await create();
    await create({ TargetId: dataProd.id });
    const throttled = await rejectionOf(
      ssoNoRetry.send(new CreateAccountAssignmentCommand(assignment({ PermissionSetArn: powerUser.arn }))),
    );
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled.message).toContain("outstanding CreateAccountAssignment");
    sim.setConfig({ inflightCapError: "ConflictException" });
    expect(
      await rejectionOf(
        ssoNoRetry.send(new CreateAccountAssignmentCommand(assignment({ PermissionSetArn: powerUser.arn }))),
      ),
    ).toBeInstanceOf(ConflictException);
    expect(sim.getState().inFlight).toHaveLength(2);
  });

  it("answers ResourceNotFoundException for unknown or mismatched request ids", async () => {
    const unknownId = "00000000-0000-4000-8000-000000000000";
    expect(
      await rejectionOf(
        sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: INSTANCE_ARN,
            AccountAssignmentCreationRequestId: unknownId,
          }),
        ),
      ),
    ).toBeInstanceOf(ResourceNotFoundException);
    const { RequestId } = await create();
    expect(
      await rejectionOf(
        sso.send(
          new DescribeAccountAssignmentDeletionStatusCommand({
            InstanceArn: INSTANCE_ARN,
            AccountAssignmentDeletionRequestId: RequestId!,
          }),
        ),
      ),
    ).toBeInstanceOf(ResourceNotFoundException);
    const upperCase = await rejectionOf(
      sso.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentCreationRequestId: RequestId!.toUpperCase(),
        }),
      ),
    );
    expect(upperCase).toBeInstanceOf(ValidationException);
  });

  it("can hide a fresh request id briefly (eventual consistency)", async () => {
    sim.setConfig({ statusVisibilityDelayMs: 600 });
    const { RequestId } = await create();
    const describe = () =>
      sso.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentCreationRequestId: RequestId!,
        }),
      );
    expect(await rejectionOf(describe())).toBeInstanceOf(ResourceNotFoundException);
    const visible = await waitUntil(
      () =>
        describe().then(
          (output) => output.AccountAssignmentCreationStatus!.RequestId,
          () => undefined,
        ),
      (id) => id !== undefined,
    );
    expect(visible).toBe(RequestId);
  });

  it("lists creation and deletion statuses with a status filter and the paginators", async () => {
    const ids = [
      (await create()).RequestId!,
      (await create({ TargetId: dataProd.id })).RequestId!,
      (await create({ PermissionSetArn: powerUser.arn })).RequestId!,
    ];
    for (const id of ids) await settledCreation(id);
    const listed: string[] = [];
    for await (const page of paginateListAccountAssignmentCreationStatus(
      { client: sso, pageSize: 1 },
      { InstanceArn: INSTANCE_ARN, Filter: { Status: "SUCCEEDED" } },
    )) {
      for (const item of page.AccountAssignmentsCreationStatus ?? []) {
        expect(item.CreatedDate).toBeInstanceOf(Date);
        listed.push(item.RequestId!);
      }
    }
    expect(listed).toEqual(ids);
    for await (const page of paginateListAccountAssignmentCreationStatus(
      { client: sso },
      { InstanceArn: INSTANCE_ARN, Filter: { Status: "FAILED" } },
    )) {
      expect(page.AccountAssignmentsCreationStatus).toEqual([]);
    }
    const { AccountAssignmentDeletionStatus } = await sso.send(new DeleteAccountAssignmentCommand(assignment()));
    const deletions: string[] = [];
    for await (const page of paginateListAccountAssignmentDeletionStatus(
      { client: sso },
      { InstanceArn: INSTANCE_ARN },
    )) {
      deletions.push(...(page.AccountAssignmentsDeletionStatus ?? []).map((item) => item.RequestId!));
    }
    expect(deletions).toEqual([AccountAssignmentDeletionStatus!.RequestId]);
  });

  it("injects asynchronous failures with realistic reasons and never lists a failed assignment", async () => {
    sim.setConfig({ asyncFailureRate: 1, randomSeed: 7 });
    const reasons = new Set<string | undefined>();
    for (const target of [
      paymentsProd.id,
      dataProd.id,
      seedAccount("data-staging").id,
      seedAccount("sandbox-alice").id,
    ]) {
      const finished = await settledCreation((await create({ TargetId: target })).RequestId!);
      expect(finished.Status).toBe("FAILED");
      reasons.add(finished.FailureReason);
    }
    for (const reason of reasons) {
      expect(
        reason === undefined ||
          reason === FAILURE_REASONS.internal ||
          reason!.startsWith("Received a 409 status error: Cannot exceed quota for RolesPerAccount"),
      ).toBe(true);
    }
    expect(await principalsOn(paymentsProd.id, readOnly.arn)).toEqual([]);
    expect(sim.getState().operationCounts.create.FAILED).toBe(4);
  });

  it("fails assignments matching a failure rule, optionally without a reason", async () => {
    sim.setConfig({ failureRules: [{ kind: "create", targetId: dataProd.id, failureReason: null }] });
    const failed = await settledCreation((await create({ TargetId: dataProd.id })).RequestId!);
    expect(failed.Status).toBe("FAILED");
    expect(failed.FailureReason).toBeUndefined();
    expect((await settledCreation((await create()).RequestId!)).Status).toBe("SUCCEEDED");
  });

  it("fails management-account assignments with IAM AccessDenied when the caller lacks IAM permissions there", async () => {
    sim.setConfig({ managementAccountIamPermissions: false });
    const finished = await settledCreation((await create({ TargetId: MANAGEMENT_ACCOUNT_ID })).RequestId!);
    expect(finished.Status).toBe("FAILED");
    expect(finished.FailureReason).toMatch(
      /^Received a 403 status error: Access denied by IAM\. .*iam:GetSAMLProvider.*AWSSSO_[0-9a-f]{16}_DO_NOT_DELETE/,
    );
  });

  it("answers ServiceQuotaExceededException past the groups-per-permission-set quota", async () => {
    sim.setConfig({ maxGroupsPerPermissionSetPerAccount: 1 });
    await settledCreation(
      (await create({ PrincipalType: "GROUP", PrincipalId: seedGroup("engineering").groupId })).RequestId!,
    );
    const error = await rejectionOf(
      sso.send(
        new CreateAccountAssignmentCommand(
          assignment({ PrincipalType: "GROUP", PrincipalId: seedGroup("team-payments").groupId }),
        ),
      ),
    );
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
  });

  it("rejects assignments to unknown principals or accounts", async () => {
    const unknownUser = `${DEMO_SEED.identityStoreId.slice(2)}-00000000-0000-4000-8000-000000000000`;
    expect(
      await rejectionOf(sso.send(new CreateAccountAssignmentCommand(assignment({ PrincipalId: unknownUser })))),
    ).toBeInstanceOf(ResourceNotFoundException);
    expect(
      await rejectionOf(sso.send(new CreateAccountAssignmentCommand(assignment({ TargetId: "123456789012" })))),
    ).toBeInstanceOf(ResourceNotFoundException);
  });

  it("starts with dave's standing AdministratorAccess on security-tooling", async () => {
    expect(await principalsOn(securityTooling.id, administratorAccess.arn)).toEqual([dave.userId]);
    expect(await provisionedTo(securityTooling.id)).toEqual([administratorAccess.arn]);
    expect(await provisionedTo(MANAGEMENT_ACCOUNT_ID)).toEqual([]);
    expect(sim.getState().assignments).toContainEqual(
      expect.objectContaining({ accountId: securityTooling.id, principalId: dave.userId, origin: "seed" }),
    );
    expect(sim.getState().assignments.every((assignment) => assignment.origin === "seed")).toBe(true);
  });

  it("pages assignments, including ones made out of band", async () => {
    const principals = [alice, bob, dave, seedUser("carol")].map((user) => user.userId);
    for (const principalId of principals)
      sim.seedAssignment({
        accountId: paymentsProd.id,
        permissionSetArn: readOnly.arn,
        principalType: "USER",
        principalId,
      });
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListAccountAssignments(
      { client: sso, pageSize: 1 },
      { InstanceArn: INSTANCE_ARN, AccountId: paymentsProd.id, PermissionSetArn: readOnly.arn },
    )) {
      pages += 1;
      seen.push(...(page.AccountAssignments ?? []).map((item) => item.PrincipalId!));
    }
    expect(pages).toBe(4);
    expect(seen.sort()).toEqual([...principals].sort());
    const forDave: string[] = [];
    for await (const page of paginateListAccountAssignmentsForPrincipal(
      { client: sso, pageSize: 1 },
      { InstanceArn: INSTANCE_ARN, PrincipalId: dave.userId, PrincipalType: "USER" },
    )) {
      forDave.push(...(page.AccountAssignments ?? []).map((item) => item.AccountId!));
    }
    expect(forDave.sort()).toEqual([securityTooling.id, paymentsProd.id].sort());
  });

  it("rejects page tokens that are forged or reused by another operation", async () => {
    for (const principalId of [alice.userId, bob.userId])
      sim.seedAssignment({
        accountId: paymentsProd.id,
        permissionSetArn: readOnly.arn,
        principalType: "USER",
        principalId,
      });
    const first = await sso.send(
      new ListAccountAssignmentsCommand({
        InstanceArn: INSTANCE_ARN,
        AccountId: paymentsProd.id,
        PermissionSetArn: readOnly.arn,
        MaxResults: 1,
      }),
    );
    expect(first.NextToken).toBeTruthy();
    const reused = await rejectionOf(
      sso.send(new ListPermissionSetsCommand({ InstanceArn: INSTANCE_ARN, NextToken: first.NextToken })),
    );
    expect(reused).toBeInstanceOf(ValidationException);
    const otherParameters = await rejectionOf(
      sso.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: INSTANCE_ARN,
          AccountId: dataProd.id,
          PermissionSetArn: readOnly.arn,
          NextToken: first.NextToken,
        }),
      ),
    );
    expect(otherParameters).toBeInstanceOf(ValidationException);
    const forged = await rejectionOf(
      sso.send(
        new ListPermissionSetsCommand({
          InstanceArn: INSTANCE_ARN,
          NextToken: "AAAAAAAAAAAAAAAAAAAAAAeyJvIjoiTGlzdFBlcm1pc3Npb25TZXRzIn0",
        }),
      ),
    );
    expect(forged).toBeInstanceOf(ValidationException);
  });
});

describe("permission set provisioning", () => {
  it("flips to NOT_PROVISIONED after an edit until ProvisionPermissionSet succeeds", async () => {
    await settledCreation((await create()).RequestId!);
    await sso.send(
      new UpdatePermissionSetCommand({
        InstanceArn: INSTANCE_ARN,
        PermissionSetArn: readOnly.arn,
        SessionDuration: "PT2H",
      }),
    );
    expect(
      (await sso.send(new DescribePermissionSetCommand({ InstanceArn: INSTANCE_ARN, PermissionSetArn: readOnly.arn })))
        .PermissionSet!.SessionDuration,
    ).toBe("PT2H");
    expect(await provisionedTo(paymentsProd.id, "LATEST_PERMISSION_SET_NOT_PROVISIONED")).toEqual([readOnly.arn]);
    expect(await provisionedTo(paymentsProd.id, "LATEST_PERMISSION_SET_PROVISIONED")).toEqual([]);

    const { PermissionSetProvisioningStatus: started } = await sso.send(
      new ProvisionPermissionSetCommand({
        InstanceArn: INSTANCE_ARN,
        PermissionSetArn: readOnly.arn,
        TargetType: "AWS_ACCOUNT",
        TargetId: paymentsProd.id,
      }),
    );
    expect(started).toMatchObject({
      Status: "IN_PROGRESS",
      AccountId: paymentsProd.id,
      PermissionSetArn: readOnly.arn,
    });
    const finished = await waitUntil(
      () =>
        sso.send(
          new DescribePermissionSetProvisioningStatusCommand({
            InstanceArn: INSTANCE_ARN,
            ProvisionPermissionSetRequestId: started!.RequestId!,
          }),
        ),
      (output) => output.PermissionSetProvisioningStatus!.Status !== "IN_PROGRESS",
    );
    expect(finished.PermissionSetProvisioningStatus!.Status).toBe("SUCCEEDED");
    expect(await provisionedTo(paymentsProd.id, "LATEST_PERMISSION_SET_PROVISIONED")).toEqual([readOnly.arn]);
    const listed = await sso.send(new ListPermissionSetProvisioningStatusCommand({ InstanceArn: INSTANCE_ARN }));
    expect(listed.PermissionSetsProvisioningStatus!.map((item) => item.RequestId)).toEqual([started!.RequestId]);
  });

  it("fails provisioning to an account without assignments with the observed 404 reason", async () => {
    const { PermissionSetProvisioningStatus: started } = await sso.send(
      new ProvisionPermissionSetCommand({
        InstanceArn: INSTANCE_ARN,
        PermissionSetArn: powerUser.arn,
        TargetType: "AWS_ACCOUNT",
        TargetId: dataProd.id,
      }),
    );
    const finished = await waitUntil(
      () =>
        sso.send(
          new DescribePermissionSetProvisioningStatusCommand({
            InstanceArn: INSTANCE_ARN,
            ProvisionPermissionSetRequestId: started!.RequestId!,
          }),
        ),
      (output) => output.PermissionSetProvisioningStatus!.Status !== "IN_PROGRESS",
    );
    expect(finished.PermissionSetProvisioningStatus).toMatchObject({
      Status: "FAILED",
      FailureReason: FAILURE_REASONS.assignmentNotFound,
    });
  });

  it("keeps session durations within PT1H..PT12H", async () => {
    const error = await rejectionOf(
      sso.send(
        new UpdatePermissionSetCommand({
          InstanceArn: INSTANCE_ARN,
          PermissionSetArn: readOnly.arn,
          SessionDuration: "PT13H",
        }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationException);
  });
});

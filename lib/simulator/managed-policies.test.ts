import {
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListManagedPoliciesInPermissionSetCommand,
  paginateListManagedPoliciesInPermissionSet,
} from "@aws-sdk/client-sso-admin";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SEED, seedPermissionSet } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator, type SdkClients } from "./testing";

// sso-admin's attached-policy listings, which the scorecard reads to tell privileged permission sets apart.

let sim: SimulatorHandle;
let clients: SdkClients;
const InstanceArn = DEMO_SEED.instanceArn;

beforeAll(async () => {
  sim = await startTestSimulator();
  clients = sdkClients(sim.url, { maxAttempts: 1 });
});
afterEach(() => sim.reset());
afterAll(async () => {
  await sim.close();
});

describe("ListManagedPoliciesInPermissionSet", () => {
  it.each([
    ["AdministratorAccess", ["AdministratorAccess"]],
    ["PowerUser", ["PowerUserAccess"]],
    ["ReadOnly", ["ReadOnlyAccess"]],
    ["BillingAdmin", ["Billing", "AWSBillingReadOnlyAccess"]],
  ])("lists the AWS managed policies attached to %s", async (name, policies) => {
    const output = await clients.ssoAdmin.send(
      new ListManagedPoliciesInPermissionSetCommand({ InstanceArn, PermissionSetArn: seedPermissionSet(name).arn }),
    );
    expect(output.AttachedManagedPolicies?.map((policy) => policy.Name)).toEqual(policies);
    for (const policy of output.AttachedManagedPolicies ?? [])
      expect(policy.Arn).toMatch(new RegExp(`^arn:aws:iam::aws:policy/(job-function/)?${policy.Name}$`));
    expect(output.NextToken).toBeUndefined();
  });

  it("pages with MaxResults and an opaque NextToken the SDK paginator follows", async () => {
    const PermissionSetArn = seedPermissionSet("BillingAdmin").arn;
    const first = await clients.ssoAdmin.send(
      new ListManagedPoliciesInPermissionSetCommand({ InstanceArn, PermissionSetArn, MaxResults: 1 }),
    );
    expect(first.AttachedManagedPolicies).toHaveLength(1);
    expect(first.NextToken).toBeTruthy();
    const names: string[] = [];
    for await (const page of paginateListManagedPoliciesInPermissionSet(
      { client: clients.ssoAdmin, pageSize: 1 },
      { InstanceArn, PermissionSetArn },
    ))
      names.push(...(page.AttachedManagedPolicies ?? []).map((policy) => policy.Name!));
    expect(names).toEqual(["Billing", "AWSBillingReadOnlyAccess"]);
  });

  it("refuses a token issued for another permission set", async () => {
    const { NextToken } = await clients.ssoAdmin.send(
      new ListManagedPoliciesInPermissionSetCommand({
        InstanceArn,
        PermissionSetArn: seedPermissionSet("BillingAdmin").arn,
        MaxResults: 1,
      }),
    );
    const error = await rejectionOf(
      clients.ssoAdmin.send(
        new ListManagedPoliciesInPermissionSetCommand({
          InstanceArn,
          PermissionSetArn: seedPermissionSet("ReadOnly").arn,
          NextToken,
        }),
      ),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toBe("Invalid NextToken provided.");
  });

  it.each([
    [
      "an unknown permission set",
      { PermissionSetArn: `arn:aws:sso:::permissionSet/${DEMO_SEED.instanceArn.split("/")[1]}/ps-0000000000000000` },
      "ResourceNotFoundException",
    ],
    ["a malformed permission set ARN", { PermissionSetArn: "not-an-arn" }, "ValidationException"],
    [
      "MaxResults above 100",
      { PermissionSetArn: seedPermissionSet("ReadOnly").arn, MaxResults: 101 },
      "ValidationException",
    ],
    [
      "another instance",
      {
        InstanceArn: "arn:aws:sso:::instance/ssoins-0000000000000000",
        PermissionSetArn: seedPermissionSet("ReadOnly").arn,
      },
      "ResourceNotFoundException",
    ],
  ])("answers %s with %s", async (_label, input, errorName) => {
    const error = await rejectionOf(
      clients.ssoAdmin.send(new ListManagedPoliciesInPermissionSetCommand({ InstanceArn, ...input } as never)),
    );
    expect(error.name).toBe(errorName);
  });

  it("is throttled through the fault mechanism like the rest of sso-admin", async () => {
    sim.setConfig({ nextFaults: [{ operation: "ListManagedPoliciesInPermissionSet", fault: "throttle" }] });
    const error = await rejectionOf(
      clients.ssoAdmin.send(
        new ListManagedPoliciesInPermissionSetCommand({
          InstanceArn,
          PermissionSetArn: seedPermissionSet("ReadOnly").arn,
        }),
      ),
    );
    expect(error.name).toBe("ThrottlingException");
  });
});

describe("ListCustomerManagedPolicyReferencesInPermissionSet", () => {
  it("lists the customer managed policies a set references by name and path, none for the others", async () => {
    const list = (name: string) =>
      clients.ssoAdmin.send(
        new ListCustomerManagedPolicyReferencesInPermissionSetCommand({
          InstanceArn,
          PermissionSetArn: seedPermissionSet(name).arn,
        }),
      );
    expect((await list("PowerUser")).CustomerManagedPolicyReferences).toEqual([
      { Name: "DenyIamUserCreation", Path: "/guardrails/" },
    ]);
    expect((await list("AdministratorAccess")).CustomerManagedPolicyReferences).toEqual([]);
  });
});

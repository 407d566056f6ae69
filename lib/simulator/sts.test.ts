import { ListRootsCommand } from "@aws-sdk/client-organizations";
import { ListGroupsCommand } from "@aws-sdk/client-identitystore";
import { DescribeInstanceCommand, ListPermissionSetsCommand } from "@aws-sdk/client-sso-admin";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SEED } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, SIMULATOR_CREDENTIALS, startTestSimulator, type SdkClients } from "./testing";

// What the doctor asks: who am I (STS query protocol), which instance is this, and an IAM refusal on demand.

let sim: SimulatorHandle;
let sts: STSClient;
let clients: SdkClients;

beforeAll(async () => {
  sim = await startTestSimulator();
  sts = new STSClient({ endpoint: sim.url, region: "us-east-1", credentials: SIMULATOR_CREDENTIALS, maxAttempts: 1 });
  clients = sdkClients(sim.url, { maxAttempts: 1 });
});
afterEach(() => sim.reset());
afterAll(async () => {
  sts.destroy();
  await sim.close();
});

describe("sts:GetCallerIdentity over the STS query protocol", () => {
  it.each([
    { callerMode: "management" as const, account: DEMO_SEED.organization.managementAccountId },
    { callerMode: "delegated-admin" as const, account: DEMO_SEED.delegatedAdminAccountId },
  ])("answers the $callerMode caller's account and role session ARN", async ({ callerMode, account }) => {
    sim.setConfig({ callerMode });
    const output = await sts.send(new GetCallerIdentityCommand({}));
    expect(output.Account).toBe(account);
    expect(output.Arn).toBe(`arn:aws:sts::${account}:assumed-role/JitPortalIdentityCenter/jit-portal`);
    expect(output.UserId).toMatch(/^AROA\w+:jit-portal$/);
    expect(output.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.getState().counters.calls.GetCallerIdentity).toBe(1);
  });

  it("an access-denied fault answers the STS AccessDenied error the SDK parses", async () => {
    sim.setConfig({ nextFaults: [{ operation: "GetCallerIdentity", fault: "access-denied" }] });
    const error = await rejectionOf(sts.send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe("AccessDenied");
    expect(error.message).toMatch(/is not authorized to perform: sts:GetCallerIdentity/);
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(sim.getState().counters.errors.AccessDenied).toBe(1);
  });

  it("an action it does not model is InvalidAction, not a crash", async () => {
    const response = await fetch(sim.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetSessionToken&Version=2011-06-15",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("<Code>InvalidAction</Code>");
  });
});

describe("sso-admin DescribeInstance", () => {
  it("describes the seeded instance with its identity store and owner account", async () => {
    const output = await clients.ssoAdmin.send(new DescribeInstanceCommand({ InstanceArn: DEMO_SEED.instanceArn }));
    expect(output).toMatchObject({
      InstanceArn: DEMO_SEED.instanceArn,
      IdentityStoreId: DEMO_SEED.identityStoreId,
      OwnerAccountId: DEMO_SEED.organization.managementAccountId,
      Status: "ACTIVE",
    });
  });

  it("an unknown instance is ResourceNotFoundException", async () => {
    const error = await rejectionOf(
      clients.ssoAdmin.send(
        new DescribeInstanceCommand({ InstanceArn: "arn:aws:sso:::instance/ssoins-0000000000000bad" }),
      ),
    );
    expect(error.name).toBe("ResourceNotFoundException");
  });
});

describe("the access-denied fault", () => {
  it("refuses the named operation once, in each service's own words", async () => {
    sim.setConfig({
      nextFaults: [
        { operation: "ListPermissionSets", fault: "access-denied" },
        { operation: "ListGroups", fault: "access-denied" },
        { operation: "ListRoots", fault: "access-denied" },
      ],
    });
    const sso = await rejectionOf(
      clients.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: DEMO_SEED.instanceArn })),
    );
    expect(sso.name).toBe("AccessDeniedException");
    expect(sso.message).toMatch(/is not authorized to perform: sso:ListPermissionSets on resource/);
    const store = await rejectionOf(
      clients.identityStore.send(new ListGroupsCommand({ IdentityStoreId: DEMO_SEED.identityStoreId })),
    );
    expect(store.message).toMatch(/is not authorized to perform: identitystore:ListGroups/);
    const org = await rejectionOf(clients.organizations.send(new ListRootsCommand({})));
    expect(org.name).toBe("AccessDeniedException");
    // Consumed: the next call goes through.
    await expect(
      clients.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: DEMO_SEED.instanceArn })),
    ).resolves.toBeDefined();
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PERSONAS } from "../demo/personas";
import { startSimulator, type SimulatorHandle } from "../simulator";
import { DEMO_SEED, seedAccount, seedPermissionSet } from "../simulator/seed";
import { createAwsClients, destroyAwsClients } from "./clients";
import { parseAwsPortConfig } from "./config";
import { AwsPortError } from "./errors";
import { createIdentityCenterPort, type AssignmentTuple, type SdkIdentityCenterPort } from "./identity-center-port";
import { AssignmentStatusTimeoutError, waitForAssignmentStatus } from "./poll";
import type { RateLimiter } from "./rate-limiter";

const FAST_POLL = { initialDelayMs: 10, maxDelayMs: 40, timeoutMs: 5_000 };

let sim: SimulatorHandle;
let port: SdkIdentityCenterPort;
/** No SDK retries, so an injected fault surfaces exactly as AWS sent it. */
let singleAttemptPort: SdkIdentityCenterPort;
const extraPorts: SdkIdentityCenterPort[] = [];

function portFor(options: { maxAttempts?: number; limiter?: RateLimiter } = {}) {
  const created = createIdentityCenterPort(
    {
      region: DEMO_SEED.region,
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
      maxAttempts: options.maxAttempts,
    },
    { limiter: options.limiter },
  );
  extraPorts.push(created);
  return created;
}

const user = (key: string) => DEMO_SEED.users.find((u) => u.personaKey === key)!;
const tupleFor = (personaKey: string, accountName: string, permissionSetName: string): AssignmentTuple => ({
  accountId: seedAccount(accountName).id,
  permissionSetArn: seedPermissionSet(permissionSetName).arn,
  principalType: "USER",
  principalId: user(personaKey).userId,
});
const isAssigned = async (tuple: AssignmentTuple) =>
  (await port.listAssignments(tuple)).some(
    (a) => a.principalType === tuple.principalType && a.principalId === tuple.principalId,
  );
/** The simulator's call log, read as a harness would (GET /__sim/log). */
const callLog = async () =>
  ((await (await fetch(`${sim.url}/__sim/log`)).json()) as { calls: { atMs: number; service: string }[] }).calls;
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error as AwsPortError,
  );

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    config: { asyncDelayMs: 20, rateLimitPerSecond: 0, identityStoreRateLimitPerSecond: 0 },
  });
  port = portFor();
  singleAttemptPort = portFor({ maxAttempts: 1 });
});

afterAll(async () => {
  for (const created of extraPorts) created.close();
  await sim?.close();
});

beforeEach(() => sim.reset());

describe("lookups against the seed", () => {
  it("walks the organization tree into nested OU paths, root first", async () => {
    const parentOf = new Map<string, string>(DEMO_SEED.organizationalUnits.map((ou) => [ou.id, ou.parentId]));
    const nameOf = new Map<string, string>([
      [DEMO_SEED.organization.rootId, DEMO_SEED.organization.rootName],
      ...DEMO_SEED.organizationalUnits.map((ou) => [ou.id, ou.name] as const),
    ]);
    const pathTo = (parentId: string): string[] =>
      parentOf.has(parentId) ? [...pathTo(parentOf.get(parentId)!), parentId] : [parentId];
    const expected = DEMO_SEED.accounts.map((account) => {
      const ouIds = pathTo(account.parentId);
      return {
        id: account.id,
        name: account.name,
        email: account.email,
        status: "ACTIVE",
        ouIds,
        ouPath: ouIds.map((id) => nameOf.get(id)).join("/"),
      };
    });

    const accounts = await port.listAccounts();
    expect(accounts).toHaveLength(DEMO_SEED.accounts.length);
    expect([...accounts].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      expected.sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(accounts.find((a) => a.name === "payments-prod")).toMatchObject({
      ouPath: "Root/Workloads/Production",
      ouIds: [DEMO_SEED.organization.rootId, "ou-k7m2-wkl0ads1", "ou-k7m2-pr0d7x4q"],
    });
    expect(accounts.find((a) => a.name === "Management")).toMatchObject({
      ouPath: "Root",
      ouIds: [DEMO_SEED.organization.rootId],
    });
  });

  it("keeps paginating through empty pages that still carry a NextToken", async () => {
    const expected = await port.listAccounts();
    sim.setConfig({ emptyPageRate: 0.6, randomSeed: 7 });
    expect(await port.listAccounts()).toEqual(expected);
    expect(sim.getState().counters.calls.ListAccountsForParent).toBeGreaterThan(
      2 * (DEMO_SEED.organizationalUnits.length + 1),
    );
  });

  it("lists permission sets with their session length in ISO form and minutes", async () => {
    const sets = await port.listPermissionSets();
    const expected = DEMO_SEED.permissionSets.map((set) => ({
      arn: set.arn,
      name: set.name,
      description: set.description,
      sessionDuration: set.sessionDuration,
      sessionDurationMinutes: { PT1H: 60, PT2H: 120, PT4H: 240 }[set.sessionDuration],
    }));
    expect(sets).toEqual(expected.sort((a, b) => a.name.localeCompare(b.name)));
  });

  it("finds users by user name and by email, and returns null for strangers", async () => {
    const alice = user("alice");
    expect(await port.findUserIdByUserName(alice.userName)).toBe(alice.userId);
    expect(await port.findUserIdByEmail(alice.email)).toBe(alice.userId);
    expect(await port.findUserIdByUserName("mallory@example.com")).toBeNull();
    expect(await port.findUserIdByEmail("mallory@example.com")).toBeNull();
    expect(await port.findUserIdByUserName("  ")).toBeNull();
  });

  it("looks email up through the emails.value attribute, not the user name", async () => {
    // The seed's user names are email addresses, so only the request itself tells the two lookups apart.
    const clients = createAwsClients(
      parseAwsPortConfig({
        region: DEMO_SEED.region,
        instanceArn: DEMO_SEED.instanceArn,
        identityStoreId: DEMO_SEED.identityStoreId,
        endpoint: sim.url,
      }),
    );
    const attributePaths: unknown[] = [];
    clients.identityStore.middlewareStack.add(
      (next) => async (args) => {
        attributePaths.push(
          (args.input as { AlternateIdentifier?: { UniqueAttribute?: { AttributePath?: string } } }).AlternateIdentifier
            ?.UniqueAttribute?.AttributePath,
        );
        return next(args);
      },
      { step: "initialize", name: "recordAttributePath" },
    );
    const recording = createIdentityCenterPort(
      {
        region: DEMO_SEED.region,
        instanceArn: DEMO_SEED.instanceArn,
        identityStoreId: DEMO_SEED.identityStoreId,
        endpoint: sim.url,
      },
      { clients },
    );
    try {
      await recording.findUserIdByEmail(user("carol").email);
      await recording.findUserIdByUserName(user("carol").userName);
      expect(attributePaths).toEqual(["emails.value", "userName"]);
    } finally {
      destroyAwsClients(clients);
    }
  });

  it("describes a user, and returns null for an id the store does not know", async () => {
    const erin = user("erin");
    expect(await port.describeUser(erin.userId)).toEqual({
      id: erin.userId,
      userName: erin.userName,
      displayName: erin.displayName,
      email: erin.email,
      givenName: erin.givenName,
      familyName: erin.familyName,
      status: expect.any(String),
    });
    expect(
      await port.describeUser(`${DEMO_SEED.identityStoreId.slice(2)}-00000000-0000-4000-8000-000000000000`),
    ).toBeNull();
  });

  it("lists groups and a user's group memberships", async () => {
    const groups = await port.listGroups();
    expect(groups.map((g) => g.displayName).sort()).toEqual(DEMO_SEED.groups.map((g) => g.displayName).sort());
    const bob = user("bob");
    const bobGroups = await port.listGroupIdsForUser(bob.userId);
    const expectedNames = PERSONAS.find((p) => p.key === "bob")!.groups;
    expect(bobGroups.map((id) => groups.find((g) => g.id === id)?.displayName).sort()).toEqual(
      [...expectedNames].sort(),
    );
  });

  it("sees the standing assignment from both directions", async () => {
    const [standing] = DEMO_SEED.standingAssignments;
    expect(standing).toBeDefined();
    expect(await port.listAssignments(standing!)).toContainEqual({
      principalType: standing!.principalType,
      principalId: standing!.principalId,
    });
    expect(await port.listAssignmentsForPrincipal(standing!.principalId)).toContainEqual(standing);
    expect(
      await port.listAssignmentsForPrincipal(standing!.principalId, { accountId: seedAccount("payments-prod").id }),
    ).toEqual([]);
  });

  it("lists the permission sets provisioned to the standing assignment's account, and none to an unused one", async () => {
    const [standing] = DEMO_SEED.standingAssignments;
    expect(await port.listPermissionSetArnsProvisionedToAccount(standing!.accountId)).toContain(
      standing!.permissionSetArn,
    );
    expect(await port.listPermissionSetArnsProvisionedToAccount(seedAccount("sandbox-erin").id)).toEqual([]);
  });
});

describe("assignment lifecycle", () => {
  it("assigns, polls to SUCCEEDED, lists it, then removes it and verifies it is gone", async () => {
    const tuple = tupleFor("alice", "payments-prod", "PowerUser");
    expect(await isAssigned(tuple)).toBe(false);

    const created = await port.assign(tuple);
    expect(created).toMatchObject({ status: "IN_PROGRESS", requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const createdFinal = await waitForAssignmentStatus(port, "creation", created.requestId, FAST_POLL);
    expect(createdFinal.status).toBe("SUCCEEDED");
    expect(createdFinal.createdAt).toBeInstanceOf(Date);
    expect(await isAssigned(tuple)).toBe(true);
    expect(await port.listAssignmentsForPrincipal(tuple.principalId)).toContainEqual(tuple);

    const removed = await port.unassign(tuple);
    if (removed.status === "ALREADY_ABSENT") return expect.fail("the assignment existed");
    expect((await waitForAssignmentStatus(port, "deletion", removed.requestId, FAST_POLL)).status).toBe("SUCCEEDED");
    expect(await isAssigned(tuple)).toBe(false);
  });

  it("reports ALREADY_ABSENT when removing an assignment that does not exist", async () => {
    const tuple = tupleFor("erin", "data-staging", "ReadOnly");
    expect(await port.unassign(tuple)).toEqual({ status: "ALREADY_ABSENT" });
    expect(sim.getState().counters.calls.DeleteAccountAssignment).toBe(1);
  });

  it("surfaces an asynchronous FAILED with AWS's reason", async () => {
    const tuple = tupleFor("alice", "payments-staging", "ReadOnly");
    sim.setConfig({
      failureRules: [
        {
          kind: "create",
          targetId: tuple.accountId,
          failureReason: "An unexpected internal service exception was encountered",
        },
      ],
    });
    const created = await port.assign(tuple);
    const final = await waitForAssignmentStatus(port, "creation", created.requestId, FAST_POLL);
    expect(final).toMatchObject({
      status: "FAILED",
      failureReason: "An unexpected internal service exception was encountered",
    });
    expect(await isAssigned(tuple)).toBe(false);
  });

  it("polls through a status that is not visible yet right after the create", async () => {
    sim.setConfig({ statusVisibilityDelayMs: 150 });
    const created = await port.assign(tupleFor("erin", "data-prod", "ReadOnly"));
    await expect(port.creationStatus(created.requestId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const final = await waitForAssignmentStatus(port, "creation", created.requestId, {
      ...FAST_POLL,
      notVisibleGraceMs: 2_000,
    });
    expect(final.status).toBe("SUCCEEDED");
  });

  it("times out while AWS keeps the request IN_PROGRESS, using an injected sleep", async () => {
    sim.setConfig({ asyncDelayMs: 600_000 });
    const created = await port.assign(tupleFor("bob", "sandbox-alice", "ReadOnly"));
    const sleeps: number[] = [];
    const error = await rejection(
      waitForAssignmentStatus(port, "creation", created.requestId, {
        initialDelayMs: 100,
        maxDelayMs: 800,
        timeoutMs: 10_000,
        sleep: async (ms) => void sleeps.push(ms),
      }),
    );
    expect(error).toBeInstanceOf(AssignmentStatusTimeoutError);
    expect(error.retryable).toBe(true);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
    expect(sim.getState().counters.calls.DescribeAccountAssignmentCreationStatus).toBe(sleeps.length + 1);
  });
});

describe("error mapping against the simulator", () => {
  it("maps throttling to THROTTLED (retryable), and the SDK's own retry gets through", async () => {
    const tuple = tupleFor("alice", "sandbox-alice", "ReadOnly");
    sim.setConfig({
      retryAfterSeconds: 0,
      nextFaults: [{ operation: "CreateAccountAssignment", fault: "throttle", count: 1 }],
    });
    const error = await rejection(singleAttemptPort.assign(tuple));
    expect(error).toBeInstanceOf(AwsPortError);
    expect(error).toMatchObject({
      code: "THROTTLED",
      retryable: true,
      awsErrorName: "ThrottlingException",
      operation: "CreateAccountAssignment",
    });

    sim.setConfig({
      retryAfterSeconds: 0,
      nextFaults: [{ operation: "CreateAccountAssignment", fault: "throttle", count: 1 }],
    });
    await expect(port.assign(tuple)).resolves.toMatchObject({ status: "IN_PROGRESS" });
    expect(sim.getState().counters.throttled).toBe(2);
  });

  it("maps a conflicting in-flight operation on the same assignment to CONFLICT (retryable)", async () => {
    sim.setConfig({ asyncDelayMs: 5_000 });
    const tuple = tupleFor("erin", "sandbox-erin", "PowerUser");
    await port.assign(tuple);
    const error = await rejection(port.unassign(tuple));
    expect(error).toMatchObject({ code: "CONFLICT", retryable: true, awsErrorName: "ConflictException" });
  });

  it("maps a delegated administrator touching the management account to ACCESS_DENIED, keeping ARNs out of the message", async () => {
    sim.setConfig({ callerMode: "delegated-admin" });
    const error = await rejection(port.assign(tupleFor("alice", "Management", "ReadOnly")));
    expect(error).toMatchObject({ code: "ACCESS_DENIED", retryable: false, awsErrorName: "AccessDeniedException" });
    expect(error.message).not.toMatch(/arn:|\d{12}/);
    expect(error.detail).toContain("arn:aws:sso:::permissionSet/");
  });

  it("maps InternalServerException and dropped connections to UNAVAILABLE (retryable)", async () => {
    sim.setConfig({ nextFaults: [{ operation: "ListAccountAssignments", fault: "internal", count: 1 }] });
    const tuple = tupleFor("dave", "log-archive", "ReadOnly");
    expect(await rejection(singleAttemptPort.listAssignments(tuple))).toMatchObject({
      code: "UNAVAILABLE",
      retryable: true,
    });
    sim.setConfig({ nextFaults: [{ operation: "DescribePermissionSet", fault: "reset", count: 1 }] });
    expect(await rejection(singleAttemptPort.listPermissionSets())).toMatchObject({
      code: "UNAVAILABLE",
      retryable: true,
      operation: "DescribePermissionSet",
    });
  });

  it("maps Organizations throttling to THROTTLED", async () => {
    sim.setConfig({ nextFaults: [{ operation: "ListRoots", fault: "throttle", count: 1 }] });
    expect(await rejection(singleAttemptPort.listAccounts())).toMatchObject({
      code: "THROTTLED",
      awsErrorName: "TooManyRequestsException",
      operation: "ListRoots",
    });
  });

  it("rejects a malformed assignment as VALIDATION before calling AWS", async () => {
    const error = await rejection(
      port.assign({ ...tupleFor("alice", "payments-prod", "ReadOnly"), accountId: "12345" }),
    );
    expect(error).toMatchObject({ code: "VALIDATION", retryable: false });
    expect(error.message).toContain("accountId");
    expect(sim.getState().counters.calls.CreateAccountAssignment ?? 0).toBe(0);
  });
});

describe("client-side rate limiting", () => {
  it("takes a token for every sso-admin, identitystore and Organizations request attempt", async () => {
    let acquired = 0;
    const limited = portFor({ limiter: { acquire: async () => void acquired++ } });

    await limited.listPermissionSets();
    const ssoCalls = () =>
      (sim.getState().counters.calls.ListPermissionSets ?? 0) +
      (sim.getState().counters.calls.DescribePermissionSet ?? 0);
    expect(acquired).toBe(ssoCalls());
    expect(acquired).toBe(1 + DEMO_SEED.permissionSets.length);

    // Identity Store and Organizations share the one budget with sso-admin.
    await limited.findUserIdByEmail(user("carol").email);
    expect(acquired).toBe(2 + DEMO_SEED.permissionSets.length);
    const organizationsBefore = (await callLog()).filter((c) => c.service === "organizations").length;
    await limited.listAccounts();
    const organizationsCalls = (await callLog()).filter((c) => c.service === "organizations").length;
    expect(organizationsCalls).toBeGreaterThan(organizationsBefore);
    acquired -= organizationsCalls - organizationsBefore;
    expect(acquired).toBe(2 + DEMO_SEED.permissionSets.length);

    sim.setConfig({
      retryAfterSeconds: 0,
      nextFaults: [{ operation: "CreateAccountAssignment", fault: "throttle", count: 1 }],
    });
    await limited.assign(tupleFor("carol", "log-archive", "ReadOnly"));
    // The throttled first attempt and its retry each waited for a token.
    expect(acquired).toBe(2 + DEMO_SEED.permissionSets.length + 2);
  });

  it("keeps a burst of Identity Store and Organizations calls within the bucket's rate in the simulator's log", async () => {
    // A bucket of one token every 50 ms: the n-th request may not reach AWS before its token's time.
    const spacingMs = 50;
    const tokenTimes: number[] = [];
    let nextToken = Date.now();
    const limited = portFor({
      limiter: {
        acquire: async () => {
          const at = Math.max(Date.now(), nextToken);
          nextToken = at + spacingMs;
          tokenTimes.push(at);
          await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
        },
      },
    });
    const startedAt = Date.now();
    await Promise.all([
      ...PERSONAS.map((persona) => limited.findUserIdByEmail(persona.email)),
      ...PERSONAS.map((persona) => limited.findUserIdByUserName(persona.email)),
      limited.listGroups(),
      limited.listAccounts(),
    ]);
    const arrivals = (await callLog())
      .filter((c) => c.atMs >= startedAt && (c.service === "identitystore" || c.service === "organizations"))
      .map((c) => c.atMs)
      .sort((a, b) => a - b);
    expect(arrivals.length).toBe(tokenTimes.length);
    expect(arrivals.length).toBeGreaterThan(2 * PERSONAS.length);
    // The i-th arrival comes no earlier than the i-th token (1 ms for the clocks' rounding): never above the rate.
    const sortedTokens = [...tokenTimes].sort((a, b) => a - b);
    const early = arrivals.filter((at, i) => at < sortedTokens[i]! - 1);
    expect(early).toEqual([]);
  });
});

describe("attached policies, for the scorecard's sensitivity", () => {
  it("lists every page of a set's managed policies and customer managed references", async () => {
    const onePerPage = createIdentityCenterPort(
      {
        region: DEMO_SEED.region,
        instanceArn: DEMO_SEED.instanceArn,
        identityStoreId: DEMO_SEED.identityStoreId,
        endpoint: sim.url,
      },
      { pageSize: 1 },
    );
    extraPorts.push(onePerPage);
    expect(await onePerPage.listManagedPoliciesInPermissionSet(seedPermissionSet("BillingAdmin").arn)).toEqual([
      { arn: "arn:aws:iam::aws:policy/job-function/Billing", name: "Billing" },
      { arn: "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess", name: "AWSBillingReadOnlyAccess" },
    ]);
    expect(sim.getState().counters.calls.ListManagedPoliciesInPermissionSet).toBe(2);
    expect(
      await onePerPage.listCustomerManagedPolicyReferencesInPermissionSet(seedPermissionSet("PowerUser").arn),
    ).toEqual([{ name: "DenyIamUserCreation", path: "/guardrails/" }]);
  });

  it("refuses a malformed ARN before calling AWS, and maps a deleted set to NOT_FOUND", async () => {
    const malformed = await rejection(port.listManagedPoliciesInPermissionSet("arn:aws:sso:::permissionSet/nope"));
    expect(malformed).toMatchObject({ code: "VALIDATION", operation: "ListManagedPoliciesInPermissionSet" });
    expect(sim.getState().counters.calls.ListManagedPoliciesInPermissionSet).toBeUndefined();
    const missing = await rejection(
      port.listManagedPoliciesInPermissionSet(
        `arn:aws:sso:::permissionSet/ssoins-7223a8d4c1e95b06/ps-0000000000000000`,
      ),
    );
    expect(missing.code).toBe("NOT_FOUND");
  });

  it("waits for the shared rate limiter on every listing page", async () => {
    let acquired = 0;
    const paced = portFor({ limiter: { acquire: async () => void (acquired += 1) } });
    await paced.listManagedPoliciesInPermissionSet(seedPermissionSet("AdministratorAccess").arn);
    expect(acquired).toBe(1);
  });
});

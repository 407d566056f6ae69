import {
  DescribeUserCommand,
  ListUsersCommand,
  ListGroupsCommand,
  ThrottlingException as IdentityStoreThrottlingException,
} from "@aws-sdk/client-identitystore";
import { DescribeOrganizationCommand, ListRootsCommand, TooManyRequestsException } from "@aws-sdk/client-organizations";
import {
  DescribePermissionSetCommand,
  InternalServerException,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  ThrottlingException,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SEED, seedPermissionSet, seedUser } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator, type SdkClients } from "./testing";

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const STORE = DEMO_SEED.identityStoreId;
const alice = seedUser("alice");

interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
}

let sim: SimulatorHandle;
let clients: SdkClients;
let noRetry: SdkClients;

beforeAll(async () => {
  sim = await startTestSimulator();
  clients = sdkClients(sim.url);
  noRetry = sdkClients(sim.url, { maxAttempts: 1 });
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

function captureResponses(client: SSOAdminClient): RawResponse[] {
  const responses: RawResponse[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      responses.push(result.response as RawResponse);
      return result;
    },
    { step: "deserialize", name: "captureRawResponse" },
  );
  return responses;
}

const metadataOf = (error: unknown) =>
  (error as { $metadata: { attempts?: number; httpStatusCode?: number } }).$metadata;

describe("wire format", () => {
  it("answers 200 with the awsJson content type, a request id and the real Date", async () => {
    const client = sdkClients(sim.url).ssoAdmin;
    const responses = captureResponses(client);
    const output = await client.send(new ListInstancesCommand({}));
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const headers = responses[0]!.headers;
    expect(headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(headers["x-amzn-requestid"]).toBe(output.$metadata.requestId);
    expect(Math.abs(Date.parse(headers.date!) - Date.now())).toBeLessThan(5_000);
  });

  it("optionally checks the SigV4 credential scope names the right service", async () => {
    sim.setConfig({ verifySigningService: true });
    expect(
      (await clients.identityStore.send(new DescribeUserCommand({ IdentityStoreId: STORE, UserId: alice.userId })))
        .UserId,
    ).toBe(alice.userId);
    const misScoped = sdkClients(sim.url, { maxAttempts: 1 }).identityStore;
    misScoped.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers.authorization = request.headers.authorization!.replace(
          "/identitystore/aws4_request",
          "/sso/aws4_request",
        );
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "rescopeSignature" },
    );
    const error = await rejectionOf(
      misScoped.send(new DescribeUserCommand({ IdentityStoreId: STORE, UserId: alice.userId })),
    );
    expect(error.name).toBe("InvalidSignatureException");
    expect(error.message).toContain("Credential should be scoped to correct service: 'identitystore'");
  });
});

describe("SDK retries against injected faults", () => {
  it("retries an sso-admin InternalServerException (HTTP 500) and succeeds", async () => {
    sim.setConfig({ nextFaults: [{ operation: "ListInstances", fault: "internal", count: 1 }] });
    const output = await clients.ssoAdmin.send(new ListInstancesCommand({}));
    expect(output.$metadata.attempts).toBe(2);
    expect(sim.getState().counters).toMatchObject({ calls: { ListInstances: 2 }, internalErrors: 1 });
    const [first, retry] = sim.getState().recentCalls;
    expect(first).toMatchObject({
      target: "SWBExternalService.ListInstances",
      sdkRequest: "attempt=1; max=3",
      outcome: "InternalServerException",
    });
    expect(retry).toMatchObject({ sdkRequest: "attempt=2; max=3", outcome: "ok", invocationId: first!.invocationId });
    expect(first!.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("gives up after the default three attempts when every call fails", async () => {
    sim.setConfig({ internalErrorRate: 1, faultOperations: ["DescribePermissionSet"] });
    const error = await rejectionOf(
      clients.ssoAdmin.send(
        new DescribePermissionSetCommand({
          InstanceArn: INSTANCE_ARN,
          PermissionSetArn: seedPermissionSet("ReadOnly").arn,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InternalServerException);
    expect(error.$fault).toBe("server");
    expect(metadataOf(error)).toMatchObject({ attempts: 3, httpStatusCode: 500 });
    expect(sim.getState().counters.calls.DescribePermissionSet).toBe(3);
    // Operations outside faultOperations are untouched.
    expect((await clients.ssoAdmin.send(new ListInstancesCommand({}))).$metadata.attempts).toBe(1);
  });

  it("retries identitystore throttling, Organizations TooManyRequests and a dropped connection", async () => {
    sim.setConfig({
      nextFaults: [
        { operation: "ListUsers", fault: "throttle", count: 1 },
        { operation: "DescribeOrganization", fault: "throttle", count: 1 },
        { operation: "ListGroups", fault: "reset", count: 1 },
      ],
    });
    const [users, organization, groups] = await Promise.all([
      clients.identityStore.send(new ListUsersCommand({ IdentityStoreId: STORE })),
      clients.organizations.send(new DescribeOrganizationCommand({})),
      clients.identityStore.send(new ListGroupsCommand({ IdentityStoreId: STORE })),
    ]);
    expect([users.$metadata.attempts, organization.$metadata.attempts, groups.$metadata.attempts]).toEqual([2, 2, 2]);
    expect(sim.getState().counters).toMatchObject({
      throttled: 2,
      resets: 1,
      errors: { ThrottlingException: 1, TooManyRequestsException: 1 },
    });
  });

  it("sends identitystore throttling with RetryAfterSeconds, RequestId and a Retry-After header", async () => {
    sim.setConfig({ retryAfterSeconds: 3, nextFaults: [{ operation: "ListUsers", fault: "throttle", count: 1 }] });
    const error = await rejectionOf(noRetry.identityStore.send(new ListUsersCommand({ IdentityStoreId: STORE })));
    expect(error).toBeInstanceOf(IdentityStoreThrottlingException);
    expect(error).toMatchObject({ RetryAfterSeconds: 3, message: "Rate exceeded" });
    expect(error.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((error.$response as RawResponse).headers["retry-after"]).toBe("3");
  });

  it("answers Organizations faults with TooManyRequestsException and a 500 ServiceException", async () => {
    sim.setConfig({
      nextFaults: [
        { operation: "ListRoots", fault: "throttle", count: 1 },
        { operation: "DescribeOrganization", fault: "internal", count: 1 },
      ],
    });
    expect(await rejectionOf(noRetry.organizations.send(new ListRootsCommand({})))).toBeInstanceOf(
      TooManyRequestsException,
    );
    const fault = await rejectionOf(noRetry.organizations.send(new DescribeOrganizationCommand({})));
    expect(fault.name).toBe("ServiceException");
    expect(metadataOf(fault).httpStatusCode).toBe(500);
  });

  it("can send throttling as HTTP 429", async () => {
    sim.setConfig({
      throttleHttpStatus: 429,
      nextFaults: [{ operation: "ListInstances", fault: "throttle", count: 1 }],
    });
    const error = await rejectionOf(noRetry.ssoAdmin.send(new ListInstancesCommand({})));
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(metadataOf(error).httpStatusCode).toBe(429);
  });
});

describe("rate limits", () => {
  it("shares one sso-admin token bucket across operations", async () => {
    // A slow refill keeps the outcome independent of how fast the five calls arrive.
    sim.setConfig({ rateLimitPerSecond: 0.1, rateLimitBurst: 2 });
    const calls = [
      noRetry.ssoAdmin.send(new ListInstancesCommand({})),
      noRetry.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: INSTANCE_ARN })),
      noRetry.ssoAdmin.send(new ListInstancesCommand({})),
      noRetry.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: INSTANCE_ARN })),
      noRetry.ssoAdmin.send(new ListInstancesCommand({})),
    ];
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(2);
    for (const outcome of outcomes.filter((candidate) => candidate.status === "rejected"))
      expect(outcome.reason).toBeInstanceOf(ThrottlingException);
    expect(sim.getState().counters.throttled).toBe(3);
  });

  it("limits identitystore per operation", async () => {
    sim.setConfig({ identityStoreRateLimitPerSecond: 0.1 });
    const outcomes = await Promise.allSettled([
      noRetry.identityStore.send(new DescribeUserCommand({ IdentityStoreId: STORE, UserId: alice.userId })),
      noRetry.identityStore.send(new DescribeUserCommand({ IdentityStoreId: STORE, UserId: alice.userId })),
      noRetry.identityStore.send(new ListGroupsCommand({ IdentityStoreId: STORE })),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(outcomes[2]!.status).toBe("fulfilled");
  });

  it("makes injected faults reproducible with a seed", async () => {
    const run = async () => {
      sim.reset();
      sim.setConfig({ throttleRate: 0.5, randomSeed: 42 });
      const pattern: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        pattern.push(
          await noRetry.ssoAdmin.send(new ListInstancesCommand({})).then(
            () => "ok",
            () => "throttled",
          ),
        );
      }
      return pattern.join(",");
    };
    const first = await run();
    expect(first).toContain("ok");
    expect(first).toContain("throttled");
    expect(await run()).toBe(first);
  });

  it("adds configured latency", async () => {
    sim.setConfig({ latencyMs: 80 });
    const started = performance.now();
    await clients.ssoAdmin.send(new ListInstancesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});

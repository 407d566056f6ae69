import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ListAccountAliasesCommand } from "@aws-sdk/client-iam";
import { GetRoleCredentialsCommand } from "@aws-sdk/client-sso";
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
} from "@aws-sdk/client-sso-admin";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StateFileError } from "./persistence";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "./seed";
import { startSimulator, type SimulatorHandle } from "./server";
import { sdkClients, startTestSimulator, userClients, waitUntil } from "./testing";

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const alice = seedUser("alice");
const readOnly = seedPermissionSet("ReadOnly");
const paymentsProd = seedAccount("payments-prod");
const outOfBand = {
  accountId: paymentsProd.id,
  permissionSetArn: readOnly.arn,
  principalType: "USER",
  principalId: alice.userId,
};
const createAlice = () =>
  new CreateAccountAssignmentCommand({
    InstanceArn: INSTANCE_ARN,
    TargetId: paymentsProd.id,
    TargetType: "AWS_ACCOUNT",
    PermissionSetArn: readOnly.arn,
    PrincipalType: "USER",
    PrincipalId: alice.userId,
  });
const listAlice = () =>
  new ListAccountAssignmentsCommand({
    InstanceArn: INSTANCE_ARN,
    AccountId: paymentsProd.id,
    PermissionSetArn: readOnly.arn,
  });

const temporaryDirectories: string[] = [];
function temporaryStatePath(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "simulator-state-"));
  temporaryDirectories.push(directory);
  return path.join(directory, "nested", "state.json");
}
afterAll(() => {
  for (const directory of temporaryDirectories) fs.rmSync(directory, { recursive: true, force: true });
});

describe("control endpoints", () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.close());

  const post = (route: string, body: unknown, method = "POST") =>
    fetch(`${sim.url}${route}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("reports state: assignments, in-flight operations and call counters", async () => {
    sim.setConfig({ asyncDelayMs: 2_000 });
    await sdkClients(sim.url).ssoAdmin.send(createAlice());
    const state = await (await fetch(`${sim.url}/__sim/state`)).json();
    expect(state.inFlight).toEqual([
      expect.objectContaining({ kind: "create", status: "IN_PROGRESS", principalId: alice.userId }),
    ]);
    // Only the seed's standing assignments: the create is still in flight.
    expect(state.assignments).toHaveLength(DEMO_SEED.standingAssignments.length);
    expect(state.counters.calls).toEqual({ CreateAccountAssignment: 1 });
    expect(state.counters.throttled).toBe(0);
  });

  it("logs every call and every assignment operation, marking which throttles were the rate limit", async () => {
    sim.setConfig({ rateLimitPerSecond: 1, rateLimitBurst: 1 });
    const sso = sdkClients(sim.url, { maxAttempts: 1 }).ssoAdmin;
    await sso.send(createAlice());
    await sso.send(listAlice()).catch(() => undefined);
    const log = await (await fetch(`${sim.url}/__sim/log`)).json();
    expect(log.calls).toEqual([
      expect.objectContaining({ service: "sso-admin", operation: "CreateAccountAssignment", outcome: "ok" }),
      expect.objectContaining({
        operation: "ListAccountAssignments",
        outcome: "ThrottlingException",
        fault: "rate-limit",
      }),
    ]);
    expect(log.operations).toEqual([
      expect.objectContaining({ kind: "create", principalId: alice.userId, requestId: expect.any(String) }),
    ]);
  });

  it("validates config patches and applies valid ones", async () => {
    const rejected = await post("/__sim/config", { throttleRate: 3, bogus: true });
    expect(rejected.status).toBe(400);
    const body = await rejected.json();
    expect(body.issues.join("\n")).toMatch(/throttleRate/);
    expect(body.issues.join("\n")).toMatch(/bogus/);
    const accepted = await post("/__sim/config", { asyncDelayMs: 5, callerMode: "delegated-admin" });
    expect(accepted.status).toBe(200);
    expect(sim.getState().config).toMatchObject({ asyncDelayMs: 5, callerMode: "delegated-admin" });
  });

  it("seeds and removes assignments out of band, and reset restores the seed", async () => {
    const sso = sdkClients(sim.url).ssoAdmin;
    expect((await post("/__sim/assignments", outOfBand)).status).toBe(201);
    expect((await post("/__sim/assignments", outOfBand)).status).toBe(200);
    expect((await sso.send(listAlice())).AccountAssignments).toHaveLength(1);
    expect(sim.getState().assignments.find((assignment) => assignment.principalId === alice.userId)?.origin).toBe(
      "out-of-band",
    );
    const unknown = await post("/__sim/assignments", { ...outOfBand, accountId: "123456789012" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toContain("unknown account");
    expect(await (await post("/__sim/assignments", outOfBand, "DELETE")).json()).toEqual({ removed: true });
    await post("/__sim/assignments", outOfBand);
    expect((await post("/__sim/reset", {})).status).toBe(200);
    expect(sim.getState().counters.calls).toEqual({});
    expect((await sso.send(listAlice())).AccountAssignments).toEqual([]);
  });
});

describe("state persistence", () => {
  it("saves assignments and request statuses and loads them on the next start", async () => {
    const statePath = temporaryStatePath();
    const first = await startSimulator({ statePath, config: { asyncDelayMs: 10, rateLimitPerSecond: 0 } });
    const sso = sdkClients(first.url).ssoAdmin;
    const { AccountAssignmentCreationStatus } = await sso.send(createAlice());
    const requestId = AccountAssignmentCreationStatus!.RequestId!;
    await waitUntil(
      () => sso.send(listAlice()),
      (output) => output.AccountAssignments!.length === 1,
    );
    await first.close();
    expect(fs.existsSync(statePath)).toBe(true);

    const second = await startSimulator({ statePath, config: { rateLimitPerSecond: 0 } });
    try {
      const reopened = sdkClients(second.url).ssoAdmin;
      expect((await reopened.send(listAlice())).AccountAssignments).toHaveLength(1);
      const status = await reopened.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentCreationRequestId: requestId,
        }),
      );
      expect(status.AccountAssignmentCreationStatus!.Status).toBe("SUCCEEDED");
    } finally {
      await second.close();
    }
  });

  it("keeps inline policies, per-account versions, portal tokens and role sessions across a restart", async () => {
    const statePath = temporaryStatePath();
    const first = await startSimulator({ statePath, config: { asyncDelayMs: 10, rateLimitPerSecond: 0 } });
    const sso = sdkClients(first.url).ssoAdmin;
    await sso.send(createAlice());
    await waitUntil(
      () => sso.send(listAlice()),
      (output) => output.AccountAssignments!.length === 1,
    );
    const { accessToken } = first.issuePortalToken(alice.userId);
    const { roleCredentials } = await userClients(first.url).portal.send(
      new GetRoleCredentialsCommand({ accessToken, accountId: paymentsProd.id, roleName: readOnly.name }),
    );
    const policy = JSON.stringify({ Statement: { Effect: "Deny", Action: "s3:*", Resource: "*" } });
    const target = { InstanceArn: INSTANCE_ARN, PermissionSetArn: readOnly.arn };
    await sso.send(new PutInlinePolicyToPermissionSetCommand({ ...target, InlinePolicy: policy }));
    await first.close();

    const second = await startSimulator({ statePath, config: { rateLimitPerSecond: 0 } });
    try {
      const reopened = sdkClients(second.url).ssoAdmin;
      expect((await reopened.send(new GetInlinePolicyForPermissionSetCommand(target))).InlinePolicy).toBe(policy);
      const stale = await reopened.send(
        new ListAccountsForProvisionedPermissionSetCommand({
          ...target,
          ProvisioningStatus: "LATEST_PERMISSION_SET_NOT_PROVISIONED",
        }),
      );
      expect(stale.AccountIds).toEqual([paymentsProd.id]);
      const user = userClients(second.url);
      await user.portal.send(
        new GetRoleCredentialsCommand({ accessToken, accountId: paymentsProd.id, roleName: readOnly.name }),
      );
      const { accessKeyId, secretAccessKey, sessionToken } = roleCredentials!;
      const aliases = await user
        .iam({ accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken! })
        .send(new ListAccountAliasesCommand({}));
      expect(aliases.AccountAliases).toEqual(["payments-prod"]);
    } finally {
      await second.close();
    }
  });

  it("finishes an operation that was in flight when the simulator stopped", async () => {
    const statePath = temporaryStatePath();
    const first = await startSimulator({ statePath, config: { asyncDelayMs: 500, rateLimitPerSecond: 0 } });
    const { AccountAssignmentCreationStatus } = await sdkClients(first.url).ssoAdmin.send(createAlice());
    await first.close();
    const saved = JSON.parse(fs.readFileSync(statePath, "utf8"));
    expect(saved.operations).toEqual([
      expect.objectContaining({ requestId: AccountAssignmentCreationStatus!.RequestId, status: "IN_PROGRESS" }),
    ]);
    const second = await startSimulator({ statePath, config: { rateLimitPerSecond: 0 } });
    try {
      const sso = sdkClients(second.url).ssoAdmin;
      const describe = () =>
        sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: INSTANCE_ARN,
            AccountAssignmentCreationRequestId: AccountAssignmentCreationStatus!.RequestId!,
          }),
        );
      const finished = await waitUntil(
        describe,
        (output) => output.AccountAssignmentCreationStatus!.Status !== "IN_PROGRESS",
      );
      expect(finished.AccountAssignmentCreationStatus!.Status).toBe("SUCCEEDED");
      expect((await sso.send(listAlice())).AccountAssignments).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it("refuses a corrupt state file with a clear error", async () => {
    const statePath = temporaryStatePath();
    fs.mkdirSync(path.dirname(statePath), { recursive: true });
    fs.writeFileSync(statePath, "{ not json");
    await expect(startSimulator({ statePath })).rejects.toThrow(StateFileError);
    await expect(startSimulator({ statePath })).rejects.toThrow(/delete it to start over/);
  });
});

describe("scripts/simulator.ts", () => {
  const script = path.resolve(import.meta.dirname, "../../scripts/simulator.ts");
  const run = (env: Record<string, string>) =>
    spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  const collect = (stream: NodeJS.ReadableStream) => {
    const output = { text: "" };
    stream.on("data", (chunk: Buffer) => (output.text += chunk.toString()));
    return output;
  };

  it("prints SIMULATOR READY, serves the SDK, and saves state on SIGTERM", async () => {
    const statePath = temporaryStatePath();
    const child = run({ SIM_PORT: "0", SIM_STATE_PATH: statePath, SIM_ASYNC_DELAY_MS: "5" });
    const stdout = collect(child.stdout!);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const ready = await waitUntil(
        async () => /^SIMULATOR READY (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout.text),
        (match) => match !== null,
        15_000,
        50,
      );
      const sso = sdkClients(ready![1]!).ssoAdmin;
      await sso.send(createAlice());
      await waitUntil(
        () => sso.send(listAlice()),
        (output) => output.AccountAssignments!.length === 1,
      );
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    const saved = JSON.parse(fs.readFileSync(statePath, "utf8"));
    expect(saved.assignments.map((assignment: { principalId: string }) => assignment.principalId)).toContain(
      alice.userId,
    );
  });

  it("exits non-zero naming the variable when a SIM_* value is invalid", async () => {
    const child = run({ SIM_STATE_PATH: "off", SIM_THROTTLE_RATE: "1.5" });
    const stderr = collect(child.stderr!);
    const code = await new Promise<number | null>((resolve) => child.on("exit", (exitCode) => resolve(exitCode)));
    expect(code).not.toBe(0);
    expect(stderr.text).toContain("SIM_THROTTLE_RATE");
  });
});

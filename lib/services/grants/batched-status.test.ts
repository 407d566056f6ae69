import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIdentityCenterPort,
  type AssignmentOperationStatus,
  type SdkIdentityCenterPort,
} from "../../aws/identity-center-port";
import { AssignmentStatusTimeoutError } from "../../aws/poll";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { DEMO_SEED, seedAccount, seedPermissionSet } from "../../simulator/seed";
import { createOperationStatusBatch } from "./batched-status";

/** A port whose operations change status sweep by sweep, as a script says; counts what each sweep asked. */
function scriptedPort(script: Record<string, (AssignmentOperationStatus | "unlisted")[]>) {
  let sweep = 0;
  const calls: string[] = [];
  const statusAt = (id: string) => {
    const steps = script[id] ?? [];
    return steps[Math.min(sweep, steps.length - 1)] ?? "unlisted";
  };
  const describe = async (id: string) => {
    calls.push(`describe ${id}`);
    const status = statusAt(id);
    if (status === "unlisted") throw Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });
    return status === "FAILED" ? { status, failureReason: `reason of ${id}` } : { status };
  };
  return {
    calls,
    advance: () => void sweep++,
    port: {
      async listDeletionStatuses(status: AssignmentOperationStatus) {
        calls.push(`list deletion ${status}`);
        return Object.keys(script)
          .filter((id) => statusAt(id) === status)
          .map((requestId) => ({ requestId, status }));
      },
      deletionStatus: describe,
    },
  };
}

const POLL = { initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 60_000, sleep: async () => {} };

describe("batched operation status", () => {
  it("settles a batch mixing SUCCEEDED, FAILED and IN_PROGRESS with one listing per status, describing only the failure", async () => {
    const scripted = scriptedPort({
      a: ["IN_PROGRESS", "SUCCEEDED"],
      b: ["IN_PROGRESS", "FAILED"],
      c: ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"],
    });
    // Each sleep is the gap before a sweep: the world moves on by one step in it (the first sweep sees step 0).
    let sweeps = 0;
    const batch = createOperationStatusBatch(scripted.port, {
      intervalMs: 1,
      poll: POLL,
      sleep: async () => {
        if (sweeps++ > 0) scripted.advance();
      },
    });
    const outcomes = await Promise.all(["a", "b", "c"].map((id) => batch.wait(id)));
    expect(outcomes).toEqual([
      { status: "SUCCEEDED" },
      { status: "FAILED", failureReason: "reason of b" },
      { status: "SUCCEEDED" },
    ]);
    expect(scripted.calls).toEqual([
      "list deletion IN_PROGRESS",
      "list deletion IN_PROGRESS",
      "list deletion FAILED",
      "describe b",
      "list deletion IN_PROGRESS",
      "list deletion FAILED",
    ]);
    expect(batch.pending()).toBe(0);
  });

  it("marks SUCCEEDED unconfirmed for an operation missing from the list (finished before a sweep, or not visible yet)", async () => {
    const scripted = scriptedPort({ listed: ["IN_PROGRESS", "SUCCEEDED"], missing: ["unlisted", "unlisted"] });
    let sweeps = 0;
    const batch = createOperationStatusBatch(scripted.port, {
      intervalMs: 1,
      poll: POLL,
      sleep: async () => {
        if (sweeps++ > 0) scripted.advance();
      },
    });
    const [listed, missing] = await Promise.all([batch.wait("listed"), batch.wait("missing")]);
    expect(listed).toEqual({ status: "SUCCEEDED" });
    // The caller checks the outcome itself (the removal path looks at the live assignment list) before trusting it.
    expect(missing).toEqual({ status: "SUCCEEDED", unconfirmed: true });
    expect(scripted.calls.filter((c) => c.startsWith("describe"))).toEqual([]);
  });

  it("gives up on an operation that stays IN_PROGRESS past the poll's patience with the poller's timeout error", async () => {
    const scripted = scriptedPort({ stuck: ["IN_PROGRESS"] });
    let clock = 0;
    const batch = createOperationStatusBatch(scripted.port, {
      intervalMs: 1_000,
      poll: { ...POLL, timeoutMs: 5_000 },
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    const error = await batch.wait("stuck").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssignmentStatusTimeoutError);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: true });
  });
});

const storeHex = DEMO_SEED.identityStoreId.slice(2);
const extraUsers = Array.from({ length: 130 }, (_, i) => ({
  ...DEMO_SEED.users[0]!,
  userId: `${storeHex}-00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  userName: `page${i}@example.com`,
  email: `page${i}@example.com`,
  displayName: `Page ${i}`,
}));

describe("ListAccountAssignmentDeletionStatus through the port, against the simulator", () => {
  let sim: SimulatorHandle;
  let port: SdkIdentityCenterPort;
  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      seed: { ...DEMO_SEED, users: [...DEMO_SEED.users, ...extraUsers] },
      // Operations stay IN_PROGRESS for the test's length, so the listing is stable.
      config: { asyncDelayMs: 600_000, rateLimitPerSecond: 0, identityStoreRateLimitPerSecond: 0 },
    });
    port = createIdentityCenterPort({
      region: DEMO_SEED.region,
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
    });
  });
  afterAll(async () => {
    port?.close();
    await sim?.close();
  });

  it("follows the page boundary (100 per page) and sees the operation on the second page", async () => {
    const tuples = extraUsers.map((user) => ({
      accountId: seedAccount("payments-prod").id,
      permissionSetArn: seedPermissionSet("ReadOnly").arn,
      principalType: "USER" as const,
      principalId: user.userId,
    }));
    for (const tuple of tuples) sim.seedAssignment(tuple);
    const issued: string[] = [];
    for (const tuple of tuples) {
      const operation = await port.unassign(tuple);
      if (operation.status !== "ALREADY_ABSENT") issued.push(operation.requestId);
    }
    const callsBefore = sim.getState().counters.calls.ListAccountAssignmentDeletionStatus ?? 0;
    const listed = await port.listDeletionStatuses("IN_PROGRESS");
    expect(sim.getState().counters.calls.ListAccountAssignmentDeletionStatus! - callsBefore).toBe(2);
    expect(new Set(listed.map((o) => o.requestId))).toEqual(new Set(issued));
    expect(listed.every((o) => o.status === "IN_PROGRESS")).toBe(true);
    // The filter is honoured: none of them has failed or succeeded.
    expect(await port.listDeletionStatuses("FAILED")).toEqual([]);
    expect(await port.listDeletionStatuses("SUCCEEDED")).toEqual([]);
  });

  it("does not list an operation before it is visible, as Describe does not", async () => {
    sim.reset();
    sim.setConfig({ statusVisibilityDelayMs: 600_000 });
    const tuple = {
      accountId: seedAccount("data-prod").id,
      permissionSetArn: seedPermissionSet("ReadOnly").arn,
      principalType: "USER" as const,
      principalId: DEMO_SEED.users[0]!.userId,
    };
    sim.seedAssignment(tuple);
    const operation = await port.unassign(tuple);
    expect(operation.status).toBe("IN_PROGRESS");
    expect(await port.listDeletionStatuses("IN_PROGRESS")).toEqual([]);
  });
});

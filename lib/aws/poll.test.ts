import { describe, expect, it, vi } from "vitest";
import { AwsPortError } from "./errors";
import type { AssignmentStatusReport } from "./identity-center-port";
import { AssignmentStatusTimeoutError, waitForAssignmentStatus, type PollOptions } from "./poll";

type Step = AssignmentStatusReport | AwsPortError;

/** A port whose status lookups replay a script; the last step repeats forever. */
function scriptedPort(steps: Step[]) {
  let index = 0;
  const next = async (): Promise<AssignmentStatusReport> => {
    const step = steps[Math.min(index++, steps.length - 1)]!;
    if (step instanceof AwsPortError) throw step;
    return step;
  };
  return { creationStatus: vi.fn(next), deletionStatus: vi.fn(next), calls: () => index };
}

/** Instant sleep that records what was asked, plus a clock that stands still. */
function fakeTime() {
  const sleeps: number[] = [];
  return {
    sleeps,
    options: {
      sleep: async (ms: number) => void sleeps.push(ms),
      now: () => 0,
      random: () => 0.5,
    } satisfies Partial<PollOptions>,
  };
}

const inProgress: AssignmentStatusReport = { status: "IN_PROGRESS" };
const notFound = () => new AwsPortError({ code: "NOT_FOUND", awsErrorName: "ResourceNotFoundException" });

describe("waitForAssignmentStatus", () => {
  it("polls until SUCCEEDED, backing off exponentially with jitter up to the cap", async () => {
    const port = scriptedPort([
      inProgress,
      inProgress,
      inProgress,
      inProgress,
      { status: "SUCCEEDED", createdAt: new Date(0) },
    ]);
    const time = fakeTime();
    const result = await waitForAssignmentStatus(port, "creation", "req-1", {
      initialDelayMs: 100,
      maxDelayMs: 300,
      timeoutMs: 60_000,
      ...time.options,
    });
    expect(result).toEqual({ status: "SUCCEEDED", createdAt: new Date(0) });
    // ceilings 100, 200, 300 (capped), 300; random 0.5 puts each wait at three quarters of its ceiling.
    expect(time.sleeps).toEqual([75, 150, 225, 225]);
    expect(port.creationStatus).toHaveBeenCalledTimes(5);
    expect(port.deletionStatus).not.toHaveBeenCalled();
  });

  it("returns FAILED with the reason and uses the deletion lookup for deletions", async () => {
    const port = scriptedPort([inProgress, { status: "FAILED", failureReason: "Received a 403 status error" }]);
    const result = await waitForAssignmentStatus(port, "deletion", "req-2", {
      initialDelayMs: 10,
      maxDelayMs: 10,
      timeoutMs: 1_000,
      ...fakeTime().options,
    });
    expect(result).toEqual({ status: "FAILED", failureReason: "Received a 403 status error" });
    expect(port.deletionStatus).toHaveBeenCalledWith("req-2");
    expect(port.creationStatus).not.toHaveBeenCalled();
  });

  it("treats ResourceNotFound right after the request as not visible yet", async () => {
    const port = scriptedPort([notFound(), notFound(), { status: "SUCCEEDED" }]);
    const result = await waitForAssignmentStatus(port, "creation", "req-3", {
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      timeoutMs: 60_000,
      notVisibleGraceMs: 5_000,
      ...fakeTime().options,
    });
    expect(result.status).toBe("SUCCEEDED");
    expect(port.calls()).toBe(3);
  });

  it("gives up on ResourceNotFound once the grace period is over", async () => {
    const port = scriptedPort([notFound()]);
    const time = fakeTime();
    const waiting = waitForAssignmentStatus(port, "creation", "req-4", {
      initialDelayMs: 100,
      maxDelayMs: 100,
      timeoutMs: 60_000,
      notVisibleGraceMs: 1_000,
      ...time.options,
    });
    await expect(waiting).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_000);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(1_200);
  });

  it("waits out throttling while polling", async () => {
    const port = scriptedPort([
      new AwsPortError({ code: "THROTTLED" }),
      new AwsPortError({ code: "UNAVAILABLE" }),
      { status: "SUCCEEDED" },
    ]);
    const result = await waitForAssignmentStatus(port, "creation", "req-5", {
      initialDelayMs: 10,
      maxDelayMs: 10,
      timeoutMs: 1_000,
      ...fakeTime().options,
    });
    expect(result.status).toBe("SUCCEEDED");
  });

  it("stops at once on an error that waiting cannot fix", async () => {
    const port = scriptedPort([new AwsPortError({ code: "ACCESS_DENIED" }), { status: "SUCCEEDED" }]);
    const time = fakeTime();
    await expect(
      waitForAssignmentStatus(port, "creation", "req-6", {
        initialDelayMs: 10,
        maxDelayMs: 10,
        timeoutMs: 1_000,
        ...time.options,
      }),
    ).rejects.toMatchObject({
      code: "ACCESS_DENIED",
    });
    expect(time.sleeps).toEqual([]);
  });

  it("throws a retryable timeout error when the operation stays IN_PROGRESS, measured by the injected sleep", async () => {
    const port = scriptedPort([inProgress]);
    const time = fakeTime();
    const waiting = waitForAssignmentStatus(port, "creation", "req-7", {
      initialDelayMs: 100,
      maxDelayMs: 400,
      timeoutMs: 2_000,
      ...time.options,
    });
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssignmentStatusTimeoutError);
    const timeout = error as AssignmentStatusTimeoutError;
    expect(timeout.code).toBe("UNAVAILABLE");
    expect(timeout.retryable).toBe(true);
    expect(timeout.requestId).toBe("req-7");
    expect(timeout.lastObserved).toBe("IN_PROGRESS");
    expect(timeout.message).not.toContain("req-7");
    // The last wait is cut to the time left, so the total lands exactly on the timeout.
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(2_000);
    expect(port.calls()).toBe(time.sleeps.length + 1);
  });

  it("respects real elapsed time when the clock moves faster than the sleeps", async () => {
    const port = scriptedPort([inProgress]);
    let clock = 0;
    const waiting = waitForAssignmentStatus(port, "deletion", "req-8", {
      initialDelayMs: 10,
      maxDelayMs: 10,
      timeoutMs: 1_000,
      now: () => clock,
      sleep: async () => void (clock += 600),
      random: () => 0,
    });
    await expect(waiting).rejects.toBeInstanceOf(AssignmentStatusTimeoutError);
    expect(port.calls()).toBe(3);
  });
});

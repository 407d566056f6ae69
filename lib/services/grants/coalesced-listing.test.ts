import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AssignmentPrincipal } from "../../aws/identity-center-port";
import { coalesceAssignmentListing, reuseRecentListing } from "./coalesced-listing";

const pair = { accountId: "210987654321", permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-x/ps-y" };

function countingPort() {
  const startedAt: number[] = [];
  let fail = false;
  return {
    startedAt,
    failNext: () => void (fail = true),
    listAssignments: async (): Promise<AssignmentPrincipal[]> => {
      startedAt.push(Date.now());
      if (fail) {
        fail = false;
        throw new Error("throttled");
      }
      return [];
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe("coalesceAssignmentListing", () => {
  it("pushes the listing back while checks keep coming, but never past maxWait after the first", async () => {
    const port = countingPort();
    const list = coalesceAssignmentListing(port, 1_000, 5_000);
    const answers: Promise<AssignmentPrincipal[]>[] = [];
    // A check every 500 ms for 12 s: listings at 5 s and 10 s (the cap), then 1 s after the last check.
    for (let t = 0; t < 12_000; t += 500) {
      answers.push(list(pair));
      await vi.advanceTimersByTimeAsync(500);
    }
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(answers);
    expect(port.startedAt).toEqual([5_000, 10_000, 12_500]);
  });

  it("never hands a check a listing that started before it asked", async () => {
    const port = countingPort();
    const list = coalesceAssignmentListing(port, 100);
    const first = list(pair);
    await vi.advanceTimersByTimeAsync(100);
    const second = list(pair);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all([first, second]);
    expect(port.startedAt).toEqual([100, 200]);
  });
});

describe("reuseRecentListing", () => {
  it("answers from a listing up to maxAge old, lists again after it, and never reuses a failed one", async () => {
    const port = countingPort();
    const list = reuseRecentListing(port.listAssignments, 10_000);
    await list(pair);
    await vi.advanceTimersByTimeAsync(9_000);
    await list(pair);
    expect(port.startedAt).toEqual([0]);
    await vi.advanceTimersByTimeAsync(2_000);
    port.failNext();
    await expect(list(pair)).rejects.toThrow("throttled");
    await list(pair);
    expect(port.startedAt).toEqual([0, 11_000, 11_000]);
  });
});

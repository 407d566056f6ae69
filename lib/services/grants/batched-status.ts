import { setTimeout as delay } from "node:timers/promises";
import { toAwsPortError } from "../../aws/errors";
import type { AssignmentOperationStatus, IdentityCenterPort } from "../../aws/identity-center-port";
import { AssignmentStatusTimeoutError, type FinalAssignmentStatus, type PollOptions } from "../../aws/poll";

/**
 * Waits for many assignment deletions with a few ListAccountAssignmentDeletionStatus calls instead of one Describe each:
 * during an expiry burst that is most of the shared ~20 requests/s budget. Each sweep lists the IN_PROGRESS deletions
 * (all pages); for those no longer listed there, one FAILED listing tells which way they went (AWS lists no
 * FailureReason, so a FAILED one costs one Describe). A deletion the sweeps never saw running may just not be listed
 * yet (eventual consistency): its SUCCEEDED is `unconfirmed`, and the caller must check the outcome itself.
 */
export type BatchedStatus = FinalAssignmentStatus & { unconfirmed?: true };

export interface OperationStatusBatch {
  wait(requestId: string): Promise<BatchedStatus>;
}

type BatchPort = Pick<IdentityCenterPort, "listDeletionStatuses" | "deletionStatus">;

export interface OperationStatusBatchOptions {
  /** Time between sweeps while any deletion is awaited. */
  intervalMs: number;
  /** The total patience for each deletion (timeoutMs). */
  poll: Pick<PollOptions, "timeoutMs">;
  sleep?: (ms: number) => Promise<unknown>;
  now?: () => number;
}

interface Waiter {
  requestId: string;
  since: number;
  seenInProgress: boolean;
  resolve(outcome: BatchedStatus): void;
  reject(error: unknown): void;
}

export function createOperationStatusBatch(port: BatchPort, options: OperationStatusBatchOptions) {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const waiting = new Map<string, Waiter>();
  let running = false;

  const settle = (waiter: Waiter, outcome: Promise<BatchedStatus>) => {
    waiting.delete(waiter.requestId);
    outcome.then(waiter.resolve, waiter.reject);
  };
  const timedOut = (waiter: Waiter, lastObserved: string, cause: unknown) =>
    new AssignmentStatusTimeoutError("deletion", waiter.requestId, now() - waiter.since, lastObserved, cause);
  const listIds = async (status: AssignmentOperationStatus) =>
    new Set((await port.listDeletionStatuses(status)).map((o) => o.requestId));

  const failedWithReason = async (requestId: string): Promise<BatchedStatus> => {
    try {
      return { ...(await port.deletionStatus(requestId)), status: "FAILED" };
    } catch {
      // The listing already said FAILED; the reason is a nicety worth no retry.
      return { status: "FAILED" };
    }
  };

  async function sweep() {
    const startedAt = now();
    const due = [...waiting.values()].filter((w) => w.since <= startedAt);
    if (due.length === 0) return;
    let inProgress: Set<string>;
    try {
      inProgress = await listIds("IN_PROGRESS");
    } catch (error) {
      // Throttled or down: the next sweep tries again; a waiter past its patience gets the poller's timeout error.
      for (const waiter of due)
        if (now() - waiter.since >= options.poll.timeoutMs)
          settle(waiter, Promise.reject(timedOut(waiter, toAwsPortError(error).code, error)));
      return;
    }
    const left: Waiter[] = [];
    for (const waiter of due) {
      if (!inProgress.has(waiter.requestId)) left.push(waiter);
      else if (now() - waiter.since >= options.poll.timeoutMs)
        settle(waiter, Promise.reject(timedOut(waiter, "IN_PROGRESS", undefined)));
      else waiter.seenInProgress = true;
    }
    if (left.length === 0) return;
    let failed: Set<string>;
    try {
      failed = await listIds("FAILED");
    } catch {
      // Undecided until the FAILED listing answers: they wait for the next sweep.
      return;
    }
    for (const waiter of left) {
      if (failed.has(waiter.requestId)) settle(waiter, failedWithReason(waiter.requestId));
      else
        settle(
          waiter,
          Promise.resolve(waiter.seenInProgress ? { status: "SUCCEEDED" } : { status: "SUCCEEDED", unconfirmed: true }),
        );
    }
  }

  async function run() {
    if (running) return;
    running = true;
    try {
      while (waiting.size > 0) {
        await sleep(options.intervalMs);
        await sweep();
      }
    } finally {
      running = false;
    }
  }

  const batch: OperationStatusBatch & { pending(): number } = {
    wait(requestId) {
      const existing = waiting.get(requestId);
      const outcome = new Promise<BatchedStatus>((resolve, reject) => {
        if (existing) {
          // Two callers for one deletion (a retried job): both get the same answer.
          const previous = { resolve: existing.resolve, reject: existing.reject };
          existing.resolve = (value) => (previous.resolve(value), resolve(value));
          existing.reject = (error) => (previous.reject(error), reject(error));
          return;
        }
        waiting.set(requestId, { requestId, since: now(), seenInProgress: false, resolve, reject });
      });
      void run();
      return outcome;
    },
    pending: () => waiting.size,
  };
  return batch;
}

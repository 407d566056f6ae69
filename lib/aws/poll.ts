import { setTimeout as delay } from "node:timers/promises";
import { AwsPortError, toAwsPortError } from "./errors";
import type { AssignmentStatusReport, IdentityCenterPort } from "./identity-center-port";

export type AssignmentOperationKind = "creation" | "deletion";

export interface PollOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Total patience, measured from the first status lookup. */
  timeoutMs: number;
  /** How long a ResourceNotFound counts as "not visible yet" rather than a real miss; defaults to min(15 s, timeoutMs). */
  notVisibleGraceMs?: number;
  sleep?: (ms: number) => Promise<unknown>;
  now?: () => number;
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

export interface FinalAssignmentStatus extends AssignmentStatusReport {
  status: "SUCCEEDED" | "FAILED";
}

/** AWS had not finished (or not answered) within the timeout; the operation may still complete later. */
export class AssignmentStatusTimeoutError extends AwsPortError {
  constructor(
    readonly kind: AssignmentOperationKind,
    readonly requestId: string,
    readonly waitedMs: number,
    readonly lastObserved: string,
    cause?: unknown,
  ) {
    super({
      code: "UNAVAILABLE",
      operation:
        kind === "creation" ? "DescribeAccountAssignmentCreationStatus" : "DescribeAccountAssignmentDeletionStatus",
      message: `AWS did not finish the assignment ${kind} within ${Math.round(waitedMs / 1000)} s; the portal will check again later.`,
      detail: `request ${requestId}: last observed ${lastObserved}`,
      cause,
    });
    this.name = "AssignmentStatusTimeoutError";
  }
}

const DEFAULT_NOT_VISIBLE_GRACE_MS = 15_000;

/** Polls until SUCCEEDED or FAILED; early ResourceNotFound (eventual consistency), throttling and 5xx are waited out until the timeout. */
export async function waitForAssignmentStatus(
  port: Pick<IdentityCenterPort, "creationStatus" | "deletionStatus">,
  kind: AssignmentOperationKind,
  requestId: string,
  options: PollOptions,
): Promise<FinalAssignmentStatus> {
  const describe = kind === "creation" ? port.creationStatus : port.deletionStatus;
  return pollUntilFinal(describe, requestId, options, (waitedMs, lastObserved, cause) => {
    return new AssignmentStatusTimeoutError(kind, requestId, waitedMs, lastObserved, cause);
  });
}

/** AWS had not finished provisioning a permission set within the timeout; it may still complete later. */
export class ProvisioningStatusTimeoutError extends AwsPortError {
  constructor(
    readonly requestId: string,
    readonly waitedMs: number,
    readonly lastObserved: string,
    cause?: unknown,
  ) {
    super({
      code: "UNAVAILABLE",
      operation: "DescribePermissionSetProvisioningStatus",
      message: `AWS did not finish provisioning the permission set within ${Math.round(waitedMs / 1000)} s; the portal will check again later.`,
      detail: `request ${requestId}: last observed ${lastObserved}`,
      cause,
    });
    this.name = "ProvisioningStatusTimeoutError";
  }
}

/** Polls a ProvisionPermissionSet request the same way as an assignment operation. */
export async function waitForProvisioningStatus(
  port: Pick<IdentityCenterPort, "provisioningStatus">,
  requestId: string,
  options: PollOptions,
): Promise<FinalAssignmentStatus> {
  return pollUntilFinal(port.provisioningStatus, requestId, options, (waitedMs, lastObserved, cause) => {
    return new ProvisioningStatusTimeoutError(requestId, waitedMs, lastObserved, cause);
  });
}

async function pollUntilFinal(
  describe: (requestId: string) => Promise<AssignmentStatusReport>,
  requestId: string,
  options: PollOptions,
  timedOut: (waitedMs: number, lastObserved: string, cause: unknown) => AwsPortError,
): Promise<FinalAssignmentStatus> {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const graceMs = options.notVisibleGraceMs ?? Math.min(DEFAULT_NOT_VISIBLE_GRACE_MS, options.timeoutMs);

  const startedAt = now();
  let slept = 0;
  // Wall clock or the time we asked to sleep, whichever is larger: an injected instant sleep still runs the clock.
  const elapsed = () => Math.max(now() - startedAt, slept);

  for (let attempt = 0; ; attempt++) {
    let lastObserved: string;
    let lastError: unknown;
    try {
      const report = await describe(requestId);
      if (report.status === "SUCCEEDED" || report.status === "FAILED") return { ...report, status: report.status };
      lastObserved = report.status;
    } catch (error) {
      const portError = toAwsPortError(error);
      const notVisibleYet = portError.code === "NOT_FOUND" && elapsed() < graceMs;
      if (!notVisibleYet && !portError.retryable) throw portError;
      lastObserved = notVisibleYet ? "not visible yet" : portError.code;
      lastError = portError;
    }

    const remaining = options.timeoutMs - elapsed();
    if (remaining <= 0) throw timedOut(elapsed(), lastObserved, lastError);
    const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
    // Half fixed, half random: spreads pollers apart without ever collapsing the wait to zero.
    const backoff = ceiling / 2 + random() * (ceiling / 2);
    const wait = Math.max(1, Math.min(backoff, remaining));
    await sleep(wait);
    slept += wait;
  }
}

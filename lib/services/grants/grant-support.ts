import { toAwsPortError } from "../../aws/errors";
import { waitForAssignmentStatus } from "../../aws/poll";
import type { FirstPollDelay } from "./first-poll-delay";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import type { DbTransaction } from "../../db";
import { deriveRequestStatus } from "../../domain/request-lifecycle";
import type { GrantStatus, RequestStatus } from "../../generated/prisma/enums";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit } from "../audit";
import type { Actor } from "../context";

/** What the grant verbs need beyond the service context: AWS, the queue, and how patiently to poll. */
export interface GrantDeps {
  port: IdentityCenterPort;
  queue: JobQueue;
  poll: { initialDelayMs: number; maxDelayMs: number; timeoutMs: number };
  /** Shared ListAccountAssignments for removal checks (see coalesced-listing.ts); defaults to a direct call. */
  listForVerification?: IdentityCenterPort["listAssignments"];
  /** Wait before the first status lookup; learned from how long operations take. */
  firstPoll?: FirstPollDelay;
  /** Bounds CreateAccountAssignment calls in flight across every worker. */
  createSlots?: { acquire(): Promise<() => Promise<void> | void> };
}

/** Thrown by a job handler to have pg-boss retry later; not a failure of the grant. */
export class RetryLater extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RetryLater";
  }
}

/** Waits for an assignment operation to finish, first sleeping about as long as AWS usually needs. */
export async function awaitOperation(deps: GrantDeps, kind: "creation" | "deletion", awsRequestId: string) {
  if (deps.firstPoll) await new Promise((resolve) => setTimeout(resolve, deps.firstPoll!.ms));
  let lookups = 0;
  const port = deps.port;
  const counted = {
    creationStatus: (id: string) => (lookups++, port.creationStatus(id)),
    deletionStatus: (id: string) => (lookups++, port.deletionStatus(id)),
  };
  const outcome = await retryableAws(`${kind} status of ${awsRequestId}`, () => waitForAssignmentStatus(counted, kind, awsRequestId, deps.poll));
  deps.firstPoll?.observe(lookups === 1);
  return outcome;
}

/** Runs an AWS call; throttling, conflicts and outages hand the job back for a later retry instead of failing the grant. */
export async function retryableAws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const portError = toAwsPortError(error);
    if (portError.retryable) throw new RetryLater(`${what}: ${portError.code}`);
    throw portError;
  }
}

/** Compare-and-set on a grant: changes it only if it is still in the expected status. */
export async function casGrant(tx: DbTransaction, grantId: string, from: GrantStatus | GrantStatus[], data: Parameters<DbTransaction["grant"]["updateMany"]>[0]["data"]) {
  const statuses = Array.isArray(from) ? from : [from];
  const result = await tx.grant.updateMany({ where: { id: grantId, status: { in: statuses } }, data: { ...data, version: { increment: 1 } } });
  return result.count === 1;
}

/** Keeps the request's status in step with its grants, auditing the change in the same transaction. */
export async function syncRequestStatus(tx: DbTransaction, actor: Actor, requestId: string, now: Date) {
  const request = await tx.accessRequest.findUniqueOrThrow({ where: { id: requestId }, select: { status: true, grants: { select: { status: true } } } });
  const next = deriveRequestStatus(request.status, request.grants.map((g) => g.status)) as RequestStatus;
  if (next === request.status) return request.status;
  const changed = await tx.accessRequest.updateMany({
    where: { id: requestId, status: request.status },
    data: { status: next, version: { increment: 1 }, ...(["COMPLETED", "FAILED"].includes(next) ? { closedAt: now } : {}) },
  });
  if (changed.count === 1) {
    await emitAudit(tx, actor, { action: `request.${next.toLowerCase()}`, entityType: "request", entityId: requestId, requestId, before: { status: request.status }, after: { status: next } }, now);
  }
  return next;
}

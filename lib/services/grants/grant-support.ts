import { toAwsPortError } from "../../aws/errors";
import { waitForAssignmentStatus } from "../../aws/poll";
import type { FirstPollDelay } from "./first-poll-delay";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import type { DbTransaction } from "../../db";
import { decideOnGrantEnd } from "../../domain/refcount";
import { deriveRequestStatus } from "../../domain/request-lifecycle";
import type { GrantStatus, RequestStatus } from "../../generated/prisma/enums";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit } from "../audit";
import type { Actor } from "../context";
import { lockAssignmentTuple } from "../tuple-lock";

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
  /** One worker at a time per grant, across processes (lib/worker/pg-session-locks.ts); defaults to this process only. */
  claims?: GrantClaims;
}

/** Exclusive hold on one grant while a worker drives it; a dead holder's claim frees itself. */
export interface GrantClaim {
  /** False once the claim may have passed to another worker: stop before calling AWS. */
  readonly held: boolean;
  release(): Promise<void> | void;
}

export interface GrantClaims {
  /** Null when another holder has the grant; never waits. */
  tryClaim(grantId: string): Promise<GrantClaim | null>;
}

const claimedInThisProcess = new Set<string>();

/** Claims that only keep the callers of this process apart; the worker passes cross-process claims. */
export const processGrantClaims: GrantClaims = {
  async tryClaim(grantId) {
    if (claimedInThisProcess.has(grantId)) return null;
    claimedInThisProcess.add(grantId);
    let released = false;
    return {
      get held() {
        return !released;
      },
      release() {
        if (released) return;
        released = true;
        claimedInThisProcess.delete(grantId);
      },
    };
  },
};

/** Runs `work` as the only holder of the grant; `busy` decides what a caller gets when another worker holds it. */
export async function withGrantClaim<T>(
  deps: GrantDeps,
  grantId: string,
  busy: () => T,
  work: (claim: GrantClaim) => Promise<T>,
): Promise<T> {
  const claim = await (deps.claims ?? processGrantClaims).tryClaim(grantId);
  if (!claim) return busy();
  try {
    return await work(claim);
  } finally {
    await claim.release();
  }
}

/** Called right before an AWS mutation: a worker that may have lost its claim must not issue one. */
export function assertClaimHeld(claim: GrantClaim) {
  if (!claim.held) throw new RetryLater("the claim on this grant was lost (database session dropped)");
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
  const outcome = await retryableAws(`${kind} status of ${awsRequestId}`, () =>
    waitForAssignmentStatus(counted, kind, awsRequestId, deps.poll),
  );
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
export async function casGrant(
  tx: DbTransaction,
  grantId: string,
  from: GrantStatus | GrantStatus[],
  data: Parameters<DbTransaction["grant"]["updateMany"]>[0]["data"],
  also: { createRequestId?: null; deleteRequestId?: null } = {},
) {
  const statuses = Array.isArray(from) ? from : [from];
  const result = await tx.grant.updateMany({
    where: { ...also, id: grantId, status: { in: statuses } },
    data: { ...data, version: { increment: 1 } },
  });
  return result.count === 1;
}

/** Keeps the request's status in step with its grants, auditing the change in the same transaction. */
export async function syncRequestStatus(tx: DbTransaction, actor: Actor, requestId: string, now: Date) {
  const request = await tx.accessRequest.findUniqueOrThrow({
    where: { id: requestId },
    select: { status: true, grants: { select: { status: true } } },
  });
  const next = deriveRequestStatus(
    request.status,
    request.grants.map((g) => g.status),
  ) as RequestStatus;
  if (next === request.status) return request.status;
  const changed = await tx.accessRequest.updateMany({
    where: { id: requestId, status: request.status },
    data: {
      status: next,
      version: { increment: 1 },
      ...(["COMPLETED", "FAILED"].includes(next) ? { closedAt: now } : {}),
    },
  });
  if (changed.count === 1) {
    await emitAudit(
      tx,
      actor,
      {
        action: `request.${next.toLowerCase()}`,
        entityType: "request",
        entityId: requestId,
        requestId,
        before: { status: request.status },
        after: { status: next },
      },
      now,
    );
  }
  return next;
}

export type GrantEndOutcome = "removing" | "kept" | "wait" | "lost";

export interface EndingGrant {
  id: string;
  requestId: string;
  accountId: string;
  permissionSetArn: string;
  principalId: string;
}

export interface EndGrantOptions {
  /** Audit actions for the two ways out; both rows carry the status the grant left. */
  removingAction: string;
  keptAction: string;
  removingData?: Parameters<DbTransaction["grant"]["updateMany"]>[0]["data"];
  reason?: string;
}

/**
 * Inside the caller's transaction and under the tuple lock, a grant leaving `from` (ACTIVE at its end, REMOVAL_FAILED on
 * a retry, PROVISIONING when its window closed or its create failed after an earlier attempt) either hands the assignment
 * to another holder (REMOVED, kept) or starts removing it (REMOVING). It waits while another grant of the tuple with an
 * open window is being created, whose create our delete could overtake; a PROVISIONING grant whose window also closed
 * is not waited for (two of them would wait on each other), since it either fails or becomes ACTIVE and removes itself.
 */
export async function endGrantInTx(
  tx: DbTransaction,
  actor: Actor,
  grant: EndingGrant,
  from: GrantStatus,
  now: Date,
  options: EndGrantOptions,
): Promise<GrantEndOutcome> {
  const tuple = {
    accountId: grant.accountId,
    permissionSetArn: grant.permissionSetArn,
    principalId: grant.principalId,
  };
  await lockAssignmentTuple(tx, tuple);
  const tupleRow = await tx.assignmentTuple.findUnique({ where: { accountId_permissionSetArn_principalId: tuple } });
  const others = await tx.grant.findMany({
    where: { ...tuple, id: { not: grant.id } },
    select: { id: true, status: true, startsAt: true, endsAt: true },
  });
  if (others.some((other) => other.status === "PROVISIONING" && other.endsAt > now)) return "wait";
  const verdict = decideOnGrantEnd({
    endingGrantId: grant.id,
    tupleIsStanding: tupleRow?.standing ?? false,
    otherGrants: others,
    now,
  });
  if (verdict.action === "keep") {
    if (!(await casGrant(tx, grant.id, from, { status: "REMOVED", keptForOtherGrant: true, deleteVerifiedAt: now })))
      return "lost";
    await emitAudit(
      tx,
      actor,
      {
        action: options.keptAction,
        entityType: "grant",
        entityId: grant.id,
        requestId: grant.requestId,
        before: { status: from },
        after: { status: "REMOVED", kept: verdict.reason, coveringGrantIds: verdict.coveringGrantIds },
        reason: options.reason ?? null,
      },
      now,
    );
    await syncRequestStatus(tx, actor, grant.requestId, now);
    return "kept";
  }
  if (!(await casGrant(tx, grant.id, from, { ...options.removingData, status: "REMOVING" }))) return "lost";
  await emitAudit(
    tx,
    actor,
    {
      action: options.removingAction,
      entityType: "grant",
      entityId: grant.id,
      requestId: grant.requestId,
      before: { status: from },
      after: { status: "REMOVING" },
      reason: options.reason ?? null,
    },
    now,
  );
  return "removing";
}

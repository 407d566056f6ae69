import type { DbTransaction } from "../../db";
import { decideOnTupleEnd, grantEndEvent, grantMoveMaySettleRequest } from "../../domain/grant-decisions";
import { deriveRequestStep, transitionGrant, type GrantEvent, type GrantStatus } from "../../domain/request-lifecycle";
import { emitAudit, lockAuditChain } from "../audit";
import type { Actor } from "../context";
import type { TupleGrant } from "../../domain/refcount";
import { lockAssignmentTuple, lockGroupMembershipPair } from "../tuple-lock";

// Every grant status write goes through moveGrant: the domain table answers the next status, a compare-and-set on the
// status read makes it, and its audit row (and the request's follow-up) commit in the same transaction.

type GrantUpdate = Parameters<DbTransaction["grant"]["updateMany"]>[0]["data"];
type GroupGrantUpdate = Parameters<DbTransaction["groupGrant"]["updateMany"]>[0]["data"];

export interface GrantMove<Update = GrantUpdate> {
  event: GrantEvent;
  /** Audit action; the row carries { status: from } before and { status: to, ...after } after. */
  action: string;
  /** Columns written with the status. */
  data?: Update;
  after?: Record<string, unknown>;
  reason?: string | null;
  /** False when the calling verb settles the request itself. */
  settleRequest?: boolean;
}

/** Moves a grant from the status it was read in; false when it had moved on meanwhile (nothing is written then). */
export async function moveGrant(
  tx: DbTransaction,
  actor: Actor,
  grant: { id: string; requestId: string },
  from: GrantStatus,
  move: GrantMove,
  now: Date,
): Promise<boolean> {
  return moveStatus(tx, actor, "grant", grant, from, move, now, (to) =>
    tx.grant.updateMany({
      where: { id: grant.id, status: from },
      data: { ...move.data, status: to, version: { increment: 1 } },
    }),
  );
}

/** moveGrant for a temporary group membership: the same transition table, compare-and-set, audit row and request follow-up. */
export async function moveGroupGrant(
  tx: DbTransaction,
  actor: Actor,
  grant: { id: string; requestId: string },
  from: GrantStatus,
  move: GrantMove<GroupGrantUpdate>,
  now: Date,
): Promise<boolean> {
  return moveStatus(tx, actor, "group_grant", grant, from, move, now, (to) =>
    tx.groupGrant.updateMany({
      where: { id: grant.id, status: from },
      data: { ...move.data, status: to, version: { increment: 1 } },
    }),
  );
}

async function moveStatus(
  tx: DbTransaction,
  actor: Actor,
  entityType: "grant" | "group_grant",
  grant: { id: string; requestId: string },
  from: GrantStatus,
  move: GrantMove<unknown>,
  now: Date,
  compareAndSet: (to: GrantStatus) => Promise<{ count: number }>,
): Promise<boolean> {
  const to = transitionGrant(from, move.event);
  await lockAuditChain(tx);
  const changed = await compareAndSet(to);
  if (changed.count !== 1) return false;
  await emitAudit(
    tx,
    actor,
    {
      action: move.action,
      entityType,
      entityId: grant.id,
      requestId: grant.requestId,
      before: { status: from },
      after: { status: to, ...move.after },
      reason: move.reason ?? null,
    },
    now,
  );
  if (move.settleRequest !== false && grantMoveMaySettleRequest(to))
    await syncRequestStatus(tx, actor, grant.requestId, now);
  return true;
}

/** Records the AWS request id of the create or delete this grant issued; first recorded wins (true), the status stays. */
export async function recordGrantOperation(
  tx: DbTransaction,
  actor: Actor,
  grant: { id: string; requestId: string },
  kind: "create" | "delete",
  awsRequestId: string,
  now: Date,
): Promise<boolean> {
  await lockAuditChain(tx);
  // A holder whose lock session dropped mid-call may have raced another: never overwrite its id.
  const changed = await tx.grant.updateMany({
    where:
      kind === "create"
        ? { id: grant.id, status: "PROVISIONING", createRequestId: null }
        : { id: grant.id, status: "REMOVING", deleteRequestId: null },
    data: {
      ...(kind === "create"
        ? { createRequestId: awsRequestId, createIssuedAt: now }
        : { deleteRequestId: awsRequestId, deleteIssuedAt: now }),
      version: { increment: 1 },
    },
  });
  if (changed.count !== 1) return false;
  await emitAudit(
    tx,
    actor,
    {
      action: kind === "create" ? "grant.create_issued" : "grant.delete_issued",
      entityType: "grant",
      entityId: grant.id,
      requestId: grant.requestId,
      after: { awsRequestId },
    },
    now,
  );
  return true;
}

/** Records what a group grant's worker issued (the membership it created, when it asked for a create or a delete); the status stays. */
export async function recordGroupGrantOperation(
  tx: DbTransaction,
  grant: { id: string },
  kind: "create" | "delete",
  now: Date,
  membershipId?: string,
): Promise<boolean> {
  const changed = await tx.groupGrant.updateMany({
    where: { id: grant.id, status: kind === "create" ? "PROVISIONING" : "REMOVING" },
    data: {
      ...(kind === "create" ? { createIssuedAt: now } : { deleteIssuedAt: now }),
      ...(membershipId ? { membershipId } : {}),
      version: { increment: 1 },
    },
  });
  return changed.count === 1;
}

/** Keeps the request's status in step with its grants (assignments and group memberships alike), auditing the change in the same transaction. */
export async function syncRequestStatus(tx: DbTransaction, actor: Actor, requestId: string, now: Date) {
  const request = await tx.accessRequest.findUniqueOrThrow({
    where: { id: requestId },
    select: { status: true, grants: { select: { status: true } }, groupGrants: { select: { status: true } } },
  });
  const step = deriveRequestStep(
    request.status,
    [...request.grants, ...request.groupGrants].map((g) => g.status),
  );
  if (!step) return request.status;
  const next = step.to;
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
        action: step.audit,
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

export interface EndingGroupGrant {
  id: string;
  requestId: string;
  groupId: string;
  memberId: string;
}

export interface EndGrantOptions<Update = GrantUpdate> {
  /** Audit actions for the two ways out; both rows carry the status the grant left. */
  removingAction: string;
  keptAction: string;
  removingData?: Update;
  reason?: string;
}

/**
 * A grant leaving the assignment (ACTIVE at its end, REMOVAL_FAILED on a retry, PROVISIONING after an earlier attempt)
 * either hands it to another holder (REMOVED, kept) or starts removing it (REMOVING), as decideOnTupleEnd says, under the
 * tuple lock inside the caller's transaction.
 */
export async function endGrant(
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
  return endHolding(grant.id, tupleRow?.standing ?? false, others, from, now, options, (move) =>
    moveGrant(tx, actor, grant, from, move, now),
  );
}

/** endGrant for a temporary group membership: the same keep-or-remove decision, under the (group, user) pair lock. */
export async function endGroupGrant(
  tx: DbTransaction,
  actor: Actor,
  grant: EndingGroupGrant,
  from: GrantStatus,
  now: Date,
  options: EndGrantOptions<GroupGrantUpdate>,
): Promise<GrantEndOutcome> {
  const pair = { groupId: grant.groupId, memberId: grant.memberId };
  await lockGroupMembershipPair(tx, pair);
  const pairRow = await tx.groupMembershipPair.findUnique({ where: { groupId_memberId: pair } });
  const others = await tx.groupGrant.findMany({
    where: { ...pair, id: { not: grant.id } },
    select: { id: true, status: true, startsAt: true, endsAt: true },
  });
  return endHolding(grant.id, pairRow?.standing ?? false, others, from, now, options, (move) =>
    moveGroupGrant(tx, actor, grant, from, move, now),
  );
}

async function endHolding<Update>(
  grantId: string,
  standing: boolean,
  others: TupleGrant[],
  from: GrantStatus,
  now: Date,
  options: EndGrantOptions<Update>,
  move: (move: GrantMove<Update>) => Promise<boolean>,
): Promise<GrantEndOutcome> {
  const verdict = decideOnTupleEnd({ endingGrantId: grantId, tupleIsStanding: standing, otherGrants: others, now });
  if (verdict.action === "wait") return "wait";
  const event = grantEndEvent(from, verdict);
  if (verdict.action === "keep") {
    // No session deny: the covering grant's sessions are this user's sessions of this set too, and a deny would cut them.
    const kept = await move({
      event,
      action: options.keptAction,
      data: { keptForOtherGrant: true, deleteVerifiedAt: now } as Update,
      after: { kept: verdict.reason, coveringGrantIds: verdict.coveringGrantIds },
      reason: options.reason,
    });
    return kept ? "kept" : "lost";
  }
  const removing = await move({
    event,
    action: options.removingAction,
    data: options.removingData,
    reason: options.reason,
  });
  return removing ? "removing" : "lost";
}

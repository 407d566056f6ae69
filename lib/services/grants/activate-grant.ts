import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { decideOnGrantStart } from "../../domain/refcount";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { lockAssignmentTuple } from "../tuple-lock";
import { awaitOperation, casGrant, RetryLater, retryableAws, syncRequestStatus, type GrantDeps } from "./grant-support";

export type ActivateGrantResult = "activated" | "failed" | "skipped";

/** Worker verb: create the Identity Center assignment for a grant whose window opened, and verify it. */
export async function activateGrant({ ctx, input, deps }: { ctx: ServiceContext; input: { grantId: string }; deps: GrantDeps }): Promise<ActivateGrantResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker activates grants.");
  const grant = await ctx.db.grant.findUnique({ where: { id: input.grantId }, include: { user: true } });
  if (!grant || !["SCHEDULED", "PROVISIONING"].includes(grant.status)) return "skipped";
  const now = ctx.now();
  if (grant.endsAt <= now) {
    // The window closed before we could start (worker down, long outage): never grant late access.
    await ctx.db.$transaction(async (tx) => {
      if (!(await casGrant(tx, grant.id, ["SCHEDULED", "PROVISIONING"], { status: grant.createRequestId ? "REMOVING" : "CANCELLED", failureReason: "The access window ended before the assignment was created." }))) return;
      await emitAudit(tx, ctx.actor, { action: "grant.window_missed", entityType: "grant", entityId: grant.id, requestId: grant.requestId, before: { status: grant.status }, after: { status: grant.createRequestId ? "REMOVING" : "CANCELLED" } }, now);
      if (grant.createRequestId) await deps.queue.send(tx, QUEUES.deactivateGrant, { grantId: grant.id }, { singletonKey: `deactivate-${grant.id}` });
      await syncRequestStatus(tx, ctx.actor, grant.requestId, now);
    });
    return "skipped";
  }

  const principalId = grant.principalId ?? grant.user.identityStoreUserId ?? (await resolvePrincipal(deps, grant.user.email));
  if (!principalId) {
    await failGrant(ctx, grant, `No Identity Store user matches ${grant.user.email ?? "this account"}. Ask an administrator to provision the user in IAM Identity Center.`);
    return "failed";
  }
  const tuple = { accountId: grant.accountId, permissionSetArn: grant.permissionSetArn, principalId };

  // Learn whether the assignment existed before the portal ever touched this tuple: such a standing assignment is never removed.
  const knownTuple = await ctx.db.assignmentTuple.findUnique({ where: { accountId_permissionSetArn_principalId: tuple } });
  const existedBefore = knownTuple ? null : (await retryableAws("ListAccountAssignments", () => deps.port.listAssignments({ accountId: tuple.accountId, permissionSetArn: tuple.permissionSetArn }))).some((a) => a.principalType === "USER" && a.principalId === principalId);

  if (grant.status === "SCHEDULED") {
    const started = await ctx.db.$transaction(async (tx) => {
      await lockAssignmentTuple(tx, tuple);
      const removalInFlight = await tx.grant.count({ where: { ...tuple, status: "REMOVING", id: { not: grant.id } } });
      if (decideOnGrantStart({ tupleHasRemovalInFlight: removalInFlight > 0 }) === "wait-for-removal") return "wait" as const;
      if (existedBefore !== null) {
        await tx.assignmentTuple.createMany({ data: [{ ...tuple, standing: existedBefore }], skipDuplicates: true });
      }
      if (!(await casGrant(tx, grant.id, "SCHEDULED", { status: "PROVISIONING", principalId, attempts: { increment: 1 } }))) return "lost" as const;
      if (!grant.user.identityStoreUserId) await tx.user.update({ where: { id: grant.userId }, data: { identityStoreUserId: principalId } });
      await emitAudit(tx, ctx.actor, { action: "grant.provisioning", entityType: "grant", entityId: grant.id, requestId: grant.requestId, before: { status: "SCHEDULED" }, after: { status: "PROVISIONING", principalId, standingBefore: existedBefore } }, ctx.now());
      return "started" as const;
    });
    if (started === "wait") throw new RetryLater("a removal of the same assignment is still in flight");
    if (started === "lost") return "skipped";
  }

  if (!grant.createRequestId) {
    const release = await deps.createSlots?.acquire();
    let issued;
    try {
      issued = await deps.port.assign({ ...tuple, principalType: "USER" });
    } catch (error) {
      await release?.();
      const portError = toAwsPortError(error);
      if (portError.retryable) throw new RetryLater(`CreateAccountAssignment: ${portError.code}`);
      await failGrant(ctx, grant, portError.message);
      return "failed";
    }
    const requestId = issued.requestId;
    await ctx.db.$transaction(async (tx) => {
      await casGrant(tx, grant.id, "PROVISIONING", { createRequestId: requestId, createIssuedAt: ctx.now() });
      await emitAudit(tx, ctx.actor, { action: "grant.create_issued", entityType: "grant", entityId: grant.id, requestId: grant.requestId, after: { awsRequestId: requestId } }, ctx.now());
    });
    try {
      return await finishActivation(ctx, deps, grant, requestId);
    } finally {
      await release?.();
    }
  }
  return finishActivation(ctx, deps, grant, grant.createRequestId);
}

async function finishActivation(ctx: ServiceContext, deps: GrantDeps, grant: { id: string; requestId: string; endsAt: Date }, awsRequestId: string): Promise<ActivateGrantResult> {
  const outcome = await awaitOperation(deps, "creation", awsRequestId);
  if (outcome.status !== "SUCCEEDED") {
    await failGrant(ctx, grant, outcome.failureReason ?? "IAM Identity Center reported the assignment as FAILED without a reason.");
    return "failed";
  }
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    if (!(await casGrant(tx, grant.id, "PROVISIONING", { status: "ACTIVE", createVerifiedAt: now }))) return;
    await emitAudit(tx, ctx.actor, { action: "grant.activated", entityType: "grant", entityId: grant.id, requestId: grant.requestId, before: { status: "PROVISIONING" }, after: { status: "ACTIVE", awsRequestId } }, now);
    await deps.queue.send(tx, QUEUES.deactivateGrant, { grantId: grant.id }, { startAfter: grant.endsAt, singletonKey: `deactivate-${grant.id}-${grant.endsAt.getTime()}` });
    await syncRequestStatus(tx, ctx.actor, grant.requestId, now);
  });
  return "activated";
}

async function resolvePrincipal(deps: GrantDeps, email: string | null): Promise<string | null> {
  if (!email) return null;
  return retryableAws("GetUserId", async () => (await deps.port.findUserIdByUserName(email)) ?? (await deps.port.findUserIdByEmail(email)));
}

async function failGrant(ctx: ServiceContext, grant: { id: string; requestId: string }, reason: string) {
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    if (!(await casGrant(tx, grant.id, ["SCHEDULED", "PROVISIONING"], { status: "FAILED", failureReason: reason.slice(0, 1000) }))) return;
    await emitAudit(tx, ctx.actor, { action: "grant.failed", entityType: "grant", entityId: grant.id, requestId: grant.requestId, after: { status: "FAILED" }, reason }, now);
    await syncRequestStatus(tx, ctx.actor, grant.requestId, now);
  });
}

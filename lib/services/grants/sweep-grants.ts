import { AppError } from "../../domain/errors";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import type { ServiceContext } from "../context";

// Jobs normally fire on time; the sweep only catches what a lost job or a dead worker left behind.
const GRACE_MS = 5_000;
const BATCH = 500;

/** Grants (assignments and group memberships alike) past their start that are not ACTIVE yet. */
const toActivateWhere = (due: Date) => ({
  status: { in: ["SCHEDULED" as const, "PROVISIONING" as const] },
  startsAt: { lte: due },
  updatedAt: { lte: due },
});

/** Grants past their end that still hold, or are removing, what they were given. */
const toRemoveWhere = (due: Date) => ({
  OR: [
    { status: "ACTIVE" as const, endsAt: { lte: due } },
    { status: { in: ["REMOVING" as const, "REMOVAL_FAILED" as const] }, updatedAt: { lte: due } },
  ],
});

// Longest-idle first, so a backlog larger than one batch cannot starve the same grants on every pass.
const oldestFirst = { orderBy: { updatedAt: "asc" as const }, select: { id: true }, take: BATCH };

/** Worker verb: re-enqueue work for every grant and group grant past its start or end that is not where it should be. */
export async function sweepGrants({ ctx, queue }: { ctx: ServiceContext; queue: JobQueue }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker sweeps grants.");
  const due = new Date(ctx.now().getTime() - GRACE_MS);
  const [toActivate, toRemove, groupsToActivate, groupsToRemove] = await Promise.all([
    ctx.db.grant.findMany({ where: toActivateWhere(due), ...oldestFirst }),
    ctx.db.grant.findMany({ where: toRemoveWhere(due), ...oldestFirst }),
    ctx.db.groupGrant.findMany({ where: toActivateWhere(due), ...oldestFirst }),
    ctx.db.groupGrant.findMany({ where: toRemoveWhere(due), ...oldestFirst }),
  ]);
  await ctx.db.$transaction(async (tx) => {
    for (const grant of toActivate)
      await queue.send(tx, QUEUES.activateGrant, { grantId: grant.id }, { singletonKey: `activate-${grant.id}` });
    for (const grant of toRemove)
      await queue.send(
        tx,
        QUEUES.deactivateGrant,
        { grantId: grant.id },
        { singletonKey: `sweep-deactivate-${grant.id}` },
      );
    for (const grant of groupsToActivate)
      await queue.send(
        tx,
        QUEUES.activateGroupGrant,
        { grantId: grant.id },
        { singletonKey: `activate-group-${grant.id}` },
      );
    for (const grant of groupsToRemove)
      await queue.send(
        tx,
        QUEUES.deactivateGroupGrant,
        { grantId: grant.id },
        { singletonKey: `sweep-deactivate-group-${grant.id}` },
      );
  });
  return {
    activations: toActivate.length,
    removals: toRemove.length,
    groupActivations: groupsToActivate.length,
    groupRemovals: groupsToRemove.length,
  };
}

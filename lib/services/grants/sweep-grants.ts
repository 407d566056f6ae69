import { AppError } from "../../domain/errors";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import type { ServiceContext } from "../context";

// Jobs normally fire on time; the sweep only catches what a lost job or a dead worker left behind.
const GRACE_MS = 5_000;

/** Worker verb: re-enqueue work for every grant past its start or end that is not where it should be. */
export async function sweepGrants({ ctx, queue }: { ctx: ServiceContext; queue: JobQueue }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker sweeps grants.");
  const due = new Date(ctx.now().getTime() - GRACE_MS);
  const [toActivate, toRemove] = await Promise.all([
    // Longest-idle first, so a backlog larger than one batch cannot starve the same grants on every pass.
    ctx.db.grant.findMany({
      where: { status: { in: ["SCHEDULED", "PROVISIONING"] }, startsAt: { lte: due }, updatedAt: { lte: due } },
      orderBy: { updatedAt: "asc" },
      select: { id: true },
      take: 500,
    }),
    ctx.db.grant.findMany({
      where: {
        OR: [
          { status: "ACTIVE", endsAt: { lte: due } },
          { status: { in: ["REMOVING", "REMOVAL_FAILED"] }, updatedAt: { lte: due } },
        ],
      },
      orderBy: { updatedAt: "asc" },
      select: { id: true },
      take: 500,
    }),
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
  });
  return { activations: toActivate.length, removals: toRemove.length };
}

import type { DbTransaction } from "../../db";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import type { Actor } from "../context";

/** Ends a request's grants now: unstarted ones are cancelled, started ones get an immediate removal job. */
export async function endRequestGrants(
  tx: DbTransaction,
  queue: JobQueue,
  actor: Actor,
  requestId: string,
  now: Date,
  why: string,
) {
  const grants = await tx.grant.findMany({ where: { requestId } });
  for (const grant of grants) {
    if (grant.status === "SCHEDULED") {
      const cancelled = await tx.grant.updateMany({
        where: { id: grant.id, status: "SCHEDULED" },
        data: { status: "CANCELLED", endsAt: now, version: { increment: 1 } },
      });
      if (cancelled.count === 1)
        await emitAudit(
          tx,
          actor,
          {
            action: "grant.cancelled",
            entityType: "grant",
            entityId: grant.id,
            requestId,
            before: { status: "SCHEDULED" },
            after: { status: "CANCELLED" },
            reason: why,
          },
          now,
        );
    } else if (grant.status === "ACTIVE" || grant.status === "PROVISIONING") {
      await tx.grant.update({ where: { id: grant.id }, data: { endsAt: now, version: { increment: 1 } } });
      await queue.send(
        tx,
        QUEUES.deactivateGrant,
        { grantId: grant.id },
        { singletonKey: `deactivate-${grant.id}-${now.getTime()}` },
      );
    }
  }
  await tx.accessRequest.update({ where: { id: requestId }, data: { endsAt: now } });
}

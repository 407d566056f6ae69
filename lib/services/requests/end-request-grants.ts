import type { DbTransaction } from "../../db";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import type { Actor } from "../context";
import { moveGrant } from "../grants/grant-transitions";

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
      // Cancel and revoke have closed the request already; a release leaves it to the removals it queues below.
      await moveGrant(
        tx,
        actor,
        grant,
        "SCHEDULED",
        { event: "cancel", action: "grant.cancelled", data: { endsAt: now }, reason: why, settleRequest: false },
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

import type { DbTransaction } from "../../db";
import type { GrantStatus } from "../../domain/request-lifecycle";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import type { Actor } from "../context";
import { moveGrant, moveGroupGrant } from "../grants/grant-transitions";

interface RequestGrant {
  id: string;
  requestId: string;
  status: GrantStatus;
}

/** A request's two kinds of grant (assignments, group memberships): where they are stored, how they move, which job removes them. */
interface GrantKind {
  list(tx: DbTransaction, requestId: string, statuses?: GrantStatus[]): Promise<RequestGrant[]>;
  setEndsAt(tx: DbTransaction, grantId: string, endsAt: Date): Promise<unknown>;
  cancel(tx: DbTransaction, actor: Actor, grant: RequestGrant, now: Date, why: string): Promise<boolean>;
  /** The removal job at `endsAt`: the singleton key carries the end, so a moved end queues a fresh job. */
  sendRemoval(tx: DbTransaction, queue: JobQueue, grantId: string, endsAt: Date, startAfter?: Date): Promise<unknown>;
}

// Cancel and revoke have closed the request already; a release leaves it to the removals queued for started grants.
const cancelMove = (action: string, now: Date, why: string) => ({
  event: "cancel" as const,
  action,
  data: { endsAt: now },
  reason: why,
  settleRequest: false,
});

const statusFilter = (statuses?: GrantStatus[]) => (statuses ? { status: { in: statuses } } : {});

export const REQUEST_GRANT_KINDS: readonly GrantKind[] = [
  {
    list: (tx, requestId, statuses) => tx.grant.findMany({ where: { requestId, ...statusFilter(statuses) } }),
    setEndsAt: (tx, id, endsAt) => tx.grant.update({ where: { id }, data: { endsAt, version: { increment: 1 } } }),
    cancel: (tx, actor, grant, now, why) =>
      moveGrant(tx, actor, grant, "SCHEDULED", cancelMove("grant.cancelled", now, why), now),
    sendRemoval: (tx, queue, grantId, endsAt, startAfter) =>
      queue.send(
        tx,
        QUEUES.deactivateGrant,
        { grantId },
        { ...(startAfter ? { startAfter } : {}), singletonKey: `deactivate-${grantId}-${endsAt.getTime()}` },
      ),
  },
  {
    list: (tx, requestId, statuses) => tx.groupGrant.findMany({ where: { requestId, ...statusFilter(statuses) } }),
    setEndsAt: (tx, id, endsAt) => tx.groupGrant.update({ where: { id }, data: { endsAt, version: { increment: 1 } } }),
    cancel: (tx, actor, grant, now, why) =>
      moveGroupGrant(tx, actor, grant, "SCHEDULED", cancelMove("group_grant.cancelled", now, why), now),
    sendRemoval: (tx, queue, grantId, endsAt, startAfter) =>
      queue.send(
        tx,
        QUEUES.deactivateGroupGrant,
        { grantId },
        { ...(startAfter ? { startAfter } : {}), singletonKey: `deactivate-group-${grantId}-${endsAt.getTime()}` },
      ),
  },
];

/** Ends a request's grants (assignments and group memberships) now: unstarted ones are cancelled, started ones get an immediate removal job. */
export async function endRequestGrants(
  tx: DbTransaction,
  queue: JobQueue,
  actor: Actor,
  requestId: string,
  now: Date,
  why: string,
) {
  for (const kind of REQUEST_GRANT_KINDS) {
    for (const grant of await kind.list(tx, requestId)) {
      if (grant.status === "SCHEDULED") await kind.cancel(tx, actor, grant, now, why);
      else if (grant.status === "ACTIVE" || grant.status === "PROVISIONING") {
        await kind.setEndsAt(tx, grant.id, now);
        await kind.sendRemoval(tx, queue, grant.id, now);
      }
    }
  }
  await tx.accessRequest.update({ where: { id: requestId }, data: { endsAt: now } });
}

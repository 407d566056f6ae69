import type { PrismaClient } from "../../db";
import type { RequestSnapshot } from "./blocks";

// An approval message shows the request as it is now, not as it was when the event was written.

/** The snapshot with today's status, decisions (names and groups), escalation and close reason; null if the request is gone. */
export async function withCurrentState(db: PrismaClient, snapshot: RequestSnapshot): Promise<RequestSnapshot | null> {
  const request = await db.accessRequest.findUnique({
    where: { id: snapshot.id },
    select: {
      status: true,
      escalatedAt: true,
      closeReason: true,
      extensionRound: true,
      decisions: {
        select: {
          kind: true,
          round: true,
          decision: true,
          comment: true,
          viaGroups: true,
          createdAt: true,
          approver: { select: { email: true, name: true } },
        },
        orderBy: { createdAt: "asc" },
      },
    },
  });
  if (!request) return null;
  return {
    ...snapshot,
    status: request.status,
    escalated: Boolean(request.escalatedAt),
    closeReason: request.closeReason,
    decisions: request.decisions
      .filter((d) => d.kind === "REQUEST" || d.round === request.extensionRound)
      .map((d) => ({
        kind: d.kind,
        decision: d.decision,
        by: { email: d.approver.email, name: d.approver.name },
        comment: d.comment,
        at: d.createdAt.toISOString(),
        viaGroups: d.viaGroups,
      })),
  };
}

import { z } from "zod";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

// The button sends confirm=yes, so a bare or replayed post without it changes nothing.
export const RequestScorecardSnapshotInput = z.object({
  confirm: z.literal("yes", "Press the measure button to confirm."),
});

/** An admin asks the worker to measure the scorecard now instead of at the next daily snapshot. */
export async function requestScorecardSnapshot({
  ctx,
  input,
  queue,
}: {
  ctx: ServiceContext;
  input: unknown;
  queue: JobQueue;
}) {
  const actor = requireUser(ctx.actor, "scorecard.manage");
  parseInput(RequestScorecardSnapshotInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    await emitAudit(
      tx,
      actor,
      { action: "scorecard.snapshot_requested", entityType: "scorecard", entityId: "organization" },
      now,
    );
    // One measurement waiting at a time: a second press while one is queued adds nothing.
    await queue.send(tx, QUEUES.scorecardSnapshot, { requestedBy: actor.userId }, { singletonKey: "scorecard" });
    return { requestedAt: now };
  });
}

import { z } from "zod";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

// The button sends confirm=yes, so a bare or replayed post without it changes nothing.
export const RefreshInventoryInput = z.object({
  confirm: z.literal("yes", "Press the refresh button to confirm."),
});

/** An admin asks the worker to read accounts, OUs and permission sets from AWS now instead of at the next scheduled sync. */
export async function refreshInventory({
  ctx,
  input,
  queue,
}: {
  ctx: ServiceContext;
  input: unknown;
  queue: JobQueue;
}) {
  const actor = requireUser(ctx.actor, "inventory.refresh");
  parseInput(RefreshInventoryInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    await emitAudit(
      tx,
      actor,
      { action: "inventory.refresh_requested", entityType: "inventory", entityId: "aws" },
      now,
    );
    // Same key as the scheduled sync: a refresh already waiting is not queued twice.
    await queue.send(tx, QUEUES.syncInventory, {}, { singletonKey: "inventory" });
    return { requestedAt: now };
  });
}

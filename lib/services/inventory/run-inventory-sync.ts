import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { AppError } from "../../domain/errors";
import type { ServiceContext } from "../context";
import { snapshotAssignments } from "./snapshot-assignments";
import { syncInventory } from "./sync-inventory";

export const INVENTORY_SYNC_RUN_ID = "aws";

/** System verb, the sync-inventory job: accounts and sets, then every assignment; records how long it took for admins. */
export async function runInventorySync({ ctx, port }: { ctx: ServiceContext; port: IdentityCenterPort }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker syncs the AWS inventory.");
  const started = performance.now();
  const inventory = await syncInventory({ ctx, port });
  const assignments = await snapshotAssignments({ ctx, port });
  const durationMs = Math.round(performance.now() - started);
  const run = {
    finishedAt: ctx.now(),
    durationMs,
    awsCalls: assignments.calls,
    stalePairs: assignments.stalePairs,
  };
  // A failed sync throws before this line, so the row always describes the last sync that completed.
  await ctx.db.inventorySyncRun.upsert({
    where: { id: INVENTORY_SYNC_RUN_ID },
    create: { id: INVENTORY_SYNC_RUN_ID, ...run },
    update: run,
  });
  return { ...inventory, assignments, totalDurationMs: durationMs };
}

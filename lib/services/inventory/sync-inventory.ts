import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { INVENTORY_TRANSACTION } from "./snapshot-assignments";

/** System verb: refresh the cached accounts (with OU paths) and permission sets from AWS. */
export async function syncInventory({ ctx, port }: { ctx: ServiceContext; port: IdentityCenterPort }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker syncs the AWS inventory.");
  const started = performance.now();
  const [accounts, permissionSets] = await Promise.all([port.listAccounts(), port.listPermissionSets()]);
  // What AWS took (paced by the shared rate bucket); the job's log line and the audit detail carry it.
  const durationMs = Math.round(performance.now() - started);
  const now = ctx.now();
  return ctx.db.$transaction(
    async (tx) => {
      const beforeAccounts = await tx.awsAccount.count();
      const beforeSets = await tx.permissionSet.count();
      // Set-wise writes: a per-row upsert of 1,000 accounts outlasts the transaction's timeout.
      const knownAccounts = new Map((await tx.awsAccount.findMany()).map((row) => [row.id, row]));
      const accountRows = accounts.map((account) => ({
        id: account.id,
        name: account.name,
        email: account.email ?? null,
        ouPath: account.ouPath,
        ouIds: account.ouIds,
        status: account.status ?? "ACTIVE",
      }));
      await tx.awsAccount.createMany({
        data: accountRows.filter((row) => !knownAccounts.has(row.id)).map((row) => ({ ...row, syncedAt: now })),
        skipDuplicates: true,
      });
      for (const { id, ...data } of accountRows) {
        const known = knownAccounts.get(id);
        if (known && !sameFields(known, data)) await tx.awsAccount.update({ where: { id }, data });
      }
      await tx.awsAccount.updateMany({
        where: { id: { in: accountRows.map((row) => row.id) } },
        data: { syncedAt: now },
      });
      const knownSets = new Map((await tx.permissionSet.findMany()).map((row) => [row.arn, row]));
      const setRows = permissionSets.map((set) => ({
        arn: set.arn,
        name: set.name,
        description: set.description ?? null,
        sessionDuration: set.sessionDuration,
        sessionDurationMinutes: set.sessionDurationMinutes,
      }));
      await tx.permissionSet.createMany({
        data: setRows.filter((row) => !knownSets.has(row.arn)).map((row) => ({ ...row, syncedAt: now })),
        skipDuplicates: true,
      });
      for (const { arn, ...data } of setRows) {
        const known = knownSets.get(arn);
        if (known && !sameFields(known, data)) await tx.permissionSet.update({ where: { arn }, data });
      }
      await tx.permissionSet.updateMany({
        where: { arn: { in: setRows.map((row) => row.arn) } },
        data: { syncedAt: now },
      });
      // Accounts and sets gone from AWS stop being requestable but keep their history.
      const goneAccounts = await tx.awsAccount.updateMany({
        where: { id: { notIn: accounts.map((a) => a.id) }, status: { not: "GONE" } },
        data: { status: "GONE" },
      });
      const goneSets = await tx.permissionSet.deleteMany({
        where: { arn: { notIn: permissionSets.map((p) => p.arn) } },
      });
      const summary = {
        accounts: accounts.length,
        permissionSets: permissionSets.length,
        removedAccounts: goneAccounts.count,
        removedPermissionSets: goneSets.count,
        durationMs,
      };
      if (
        beforeAccounts !== accounts.length ||
        beforeSets !== permissionSets.length ||
        goneAccounts.count > 0 ||
        goneSets.count > 0
      ) {
        await emitAudit(
          tx,
          ctx.actor,
          { action: "inventory.synced", entityType: "inventory", entityId: "aws", after: summary },
          now,
        );
      }
      return summary;
    },
    // Only database writes happen inside; an organization of thousands of accounts needs more than the 5 s default.
    INVENTORY_TRANSACTION,
  );
}

/** True when every field of `next` equals the stored row's (arrays compared item by item). */
function sameFields(stored: Record<string, unknown>, next: Record<string, unknown>) {
  return Object.entries(next).every(([key, value]) => JSON.stringify(stored[key]) === JSON.stringify(value));
}

import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { INVENTORY_TRANSACTION } from "./snapshot-assignments";

/** System verb: refresh the cached accounts (with OU paths) and permission sets from AWS. */
export async function syncInventory({ ctx, port }: { ctx: ServiceContext; port: IdentityCenterPort }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker syncs the AWS inventory.");
  const [accounts, permissionSets] = await Promise.all([port.listAccounts(), port.listPermissionSets()]);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const beforeAccounts = await tx.awsAccount.count();
    const beforeSets = await tx.permissionSet.count();
    for (const account of accounts) {
      const data = {
        name: account.name,
        email: account.email ?? null,
        ouPath: account.ouPath,
        ouIds: account.ouIds,
        status: account.status ?? "ACTIVE",
        syncedAt: now,
      };
      await tx.awsAccount.upsert({ where: { id: account.id }, create: { id: account.id, ...data }, update: data });
    }
    for (const set of permissionSets) {
      const data = {
        name: set.name,
        description: set.description ?? null,
        sessionDuration: set.sessionDuration,
        sessionDurationMinutes: set.sessionDurationMinutes,
        syncedAt: now,
      };
      await tx.permissionSet.upsert({ where: { arn: set.arn }, create: { arn: set.arn, ...data }, update: data });
    }
    // Accounts and sets gone from AWS stop being requestable but keep their history.
    const goneAccounts = await tx.awsAccount.updateMany({
      where: { id: { notIn: accounts.map((a) => a.id) }, status: { not: "GONE" } },
      data: { status: "GONE" },
    });
    const goneSets = await tx.permissionSet.deleteMany({ where: { arn: { notIn: permissionSets.map((p) => p.arn) } } });
    const summary = {
      accounts: accounts.length,
      permissionSets: permissionSets.length,
      removedAccounts: goneAccounts.count,
      removedPermissionSets: goneSets.count,
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
  }, INVENTORY_TRANSACTION);
}

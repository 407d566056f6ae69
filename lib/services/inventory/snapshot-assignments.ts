import { mapWithConcurrency, type AssignmentPrincipal, type IdentityCenterPort } from "../../aws/identity-center-port";
import { AppError } from "../../domain/errors";
import type { ServiceContext } from "../context";

/** Port calls one snapshot may make (a paginated list counts once); pairs beyond it keep their older rows until a later sync. */
export const SNAPSHOT_CALL_BUDGET = 2000;
const CONCURRENCY = 4;

export interface AssignmentSnapshotSummary {
  permissionSets: number;
  pairs: number;
  assignments: number;
  groups: number;
  users: number;
  /** Pairs whose listing failed or did not fit the call budget: their previous rows are kept. */
  stalePairs: number;
  failedPermissionSets: number;
  calls: number;
  durationMs: number;
}

interface PairListing {
  permissionSetArn: string;
  accountId: string;
  current: boolean;
  principals: AssignmentPrincipal[] | null;
}

/**
 * System verb: every assignment Identity Center holds, per provisioned permission set x account, with group names and
 * member counts, replacing the stored snapshot in one transaction. Read-only towards AWS, so it writes no audit event.
 */
export async function snapshotAssignments({
  ctx,
  port,
  callBudget = SNAPSHOT_CALL_BUDGET,
}: {
  ctx: ServiceContext;
  port: IdentityCenterPort;
  callBudget?: number;
}): Promise<AssignmentSnapshotSummary> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker syncs the AWS inventory.");
  const started = performance.now();
  let calls = 0;
  const counted = <T>(run: () => Promise<T>) => {
    calls += 1;
    return run();
  };
  const [sets, previous] = await Promise.all([
    ctx.db.permissionSet.findMany({ select: { arn: true } }),
    ctx.db.inventoryProvisioning.findMany({
      select: { permissionSetArn: true, accountId: true, assignmentsSyncedAt: true },
    }),
  ]);

  // Two listings per set: every provisioned account, then those whose role lacks the latest edit.
  const failedSets = new Set<string>();
  const provisioned = await mapWithConcurrency(sets, CONCURRENCY, async ({ arn }) => {
    try {
      const all = await counted(() => port.listAccountsForProvisionedPermissionSet(arn));
      const outdated = new Set(
        await counted(() => port.listAccountsForProvisionedPermissionSet(arn, "LATEST_PERMISSION_SET_NOT_PROVISIONED")),
      );
      return all.map((accountId) => ({ permissionSetArn: arn, accountId, current: !outdated.has(accountId) }));
    } catch {
      failedSets.add(arn);
      return [];
    }
  });

  // Pairs listed longest ago go first, so a budget cut rotates through the organization over successive syncs.
  const lastListed = new Map(previous.map((p) => [`${p.permissionSetArn}|${p.accountId}`, p.assignmentsSyncedAt]));
  const pairs = provisioned
    .flat()
    .sort(
      (a, b) =>
        (lastListed.get(`${a.permissionSetArn}|${a.accountId}`)?.getTime() ?? 0) -
        (lastListed.get(`${b.permissionSetArn}|${b.accountId}`)?.getTime() ?? 0),
    );
  const listings: PairListing[] = await mapWithConcurrency(pairs, CONCURRENCY, async (pair) => {
    if (calls >= callBudget) return { ...pair, principals: null };
    const principals = await counted(() => port.listAssignments(pair)).catch(() => null);
    return { ...pair, principals };
  });

  const userIds = [
    ...new Set(
      listings.flatMap((l) => (l.principals ?? []).filter((p) => p.principalType === "USER").map((p) => p.principalId)),
    ),
  ];
  // Portal users are named from the portal's own table; only strangers cost a DescribeUser.
  const known = new Set(
    (
      await ctx.db.user.findMany({
        where: { identityStoreUserId: { in: userIds } },
        select: { identityStoreUserId: true },
      })
    ).map((u) => u.identityStoreUserId),
  );
  const strangers = await mapWithConcurrency(
    userIds.filter((id) => !known.has(id)),
    CONCURRENCY,
    async (userId) => {
      if (calls >= callBudget) return [userId, null] as const;
      const user = await counted(() => port.describeUser(userId)).catch(() => null);
      return [userId, user ? (user.displayName ?? user.userName ?? user.email ?? null) : null] as const;
    },
  );
  const userNames = new Map(strangers);
  const groupIds = [
    ...new Set(
      listings.flatMap((l) =>
        (l.principals ?? []).filter((p) => p.principalType === "GROUP").map((p) => p.principalId),
      ),
    ),
  ];
  const groups = new Map(
    (
      await mapWithConcurrency(groupIds, CONCURRENCY, async (groupId) => {
        if (calls >= callBudget) return [groupId, null] as const;
        const [group, members] = await Promise.all([
          counted(() => port.describeGroup(groupId)).catch(() => null),
          counted(() => port.countGroupMembers(groupId)).catch(() => null),
        ]);
        return [groupId, { name: group?.displayName ?? null, members }] as const;
      })
    ).filter((entry): entry is readonly [string, { name: string | null; members: number | null }] => entry[1] !== null),
  );

  const now = ctx.now();
  const listed = listings.filter((l) => l.principals !== null);
  const rows = listed.flatMap((l) =>
    (l.principals ?? []).map((p) => ({
      accountId: l.accountId,
      permissionSetArn: l.permissionSetArn,
      principalType: p.principalType,
      principalId: p.principalId,
      principalName:
        p.principalType === "GROUP"
          ? (groups.get(p.principalId)?.name ?? null)
          : (userNames.get(p.principalId) ?? null),
      memberCount: groups.get(p.principalId)?.members ?? null,
      syncedAt: now,
    })),
  );
  const setArns = sets.map((s) => s.arn);
  const answeredSets = setArns.filter((arn) => !failedSets.has(arn));
  const stale = listings.filter((l) => l.principals === null);

  await ctx.db.$transaction(async (tx) => {
    // Sets that were listed are replaced; a set whose listing failed keeps every row; deleted sets lose theirs.
    await tx.inventoryProvisioning.deleteMany({
      where: { OR: [{ permissionSetArn: { in: answeredSets } }, { permissionSetArn: { notIn: setArns } }] },
    });
    await tx.inventoryAssignment.deleteMany({
      where: {
        OR: [
          { permissionSetArn: { notIn: setArns } },
          {
            permissionSetArn: { in: answeredSets },
            NOT: { OR: stale.map((l) => ({ permissionSetArn: l.permissionSetArn, accountId: l.accountId })) },
          },
        ],
      },
    });
    await tx.inventoryProvisioning.createMany({
      data: listings.map((l) => ({
        permissionSetArn: l.permissionSetArn,
        accountId: l.accountId,
        current: l.current,
        assignmentsSyncedAt: l.principals ? now : (lastListed.get(`${l.permissionSetArn}|${l.accountId}`) ?? null),
        syncedAt: now,
      })),
    });
    await tx.inventoryAssignment.createMany({ data: rows });
  });
  return {
    permissionSets: sets.length,
    pairs: listings.length,
    assignments: rows.length,
    groups: groups.size,
    users: userIds.length,
    stalePairs: stale.length,
    failedPermissionSets: failedSets.size,
    calls,
    durationMs: Math.round(performance.now() - started),
  };
}

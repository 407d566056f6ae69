import { mapWithConcurrency, type AssignmentPrincipal, type IdentityCenterPort } from "../../aws/identity-center-port";
import { AppError } from "../../domain/errors";
import type { ServiceContext } from "../context";

/** Port calls one snapshot may make (a paginated list counts once); pairs beyond it keep their older rows until a later sync. */
export const SNAPSHOT_CALL_BUDGET = 2000;
// A thousand accounts x fifty sets is 50,000 provisioning rows: replacing them outlasts Prisma's default 5 s.
export const INVENTORY_TRANSACTION = { timeout: 5 * 60_000, maxWait: 30_000 };
const CONCURRENCY = 4;
// Rows per INSERT: one statement for 50,000 rows builds a query (and its parameters) that dwarfs the rows themselves.
export const WRITE_CHUNK = 1_000;

/** Consecutive slices of at most `size` items, made lazily so only one slice's rows exist at a time. */
export function* chunksOf<T, R>(items: readonly T[], size: number, map: (item: T) => R): Generator<R[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size).map(map);
}

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
  /** When its assignments were last listed, kept for a pair this sync does not list. */
  lastListedAt: Date | null;
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
  byPrincipal = false,
}: {
  ctx: ServiceContext;
  port: IdentityCenterPort;
  callBudget?: number;
  /**
   * List per user and group (ListAccountAssignmentsForPrincipal) instead of per account x set: calls grow with the
   * principals, not with accounts x sets, so one run covers a large organization whole (the scorecard's daily refresh).
   */
  byPrincipal?: boolean;
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

  const lastListed = new Map(previous.map((p) => [`${p.permissionSetArn}|${p.accountId}`, p.assignmentsSyncedAt]));
  // Two listings per set: every provisioned account, then those whose role lacks the latest edit.
  const failedSets = new Set<string>();
  const provisioned = await mapWithConcurrency(sets, CONCURRENCY, async ({ arn }) => {
    try {
      const all = await counted(() => port.listAccountsForProvisionedPermissionSet(arn));
      const outdated = new Set(
        await counted(() => port.listAccountsForProvisionedPermissionSet(arn, "LATEST_PERMISSION_SET_NOT_PROVISIONED")),
      );
      return all.map((accountId) => ({
        permissionSetArn: arn,
        accountId,
        current: !outdated.has(accountId),
        lastListedAt: lastListed.get(`${arn}|${accountId}`) ?? null,
      }));
    } catch {
      failedSets.add(arn);
      return [];
    }
  });
  lastListed.clear();

  // Pairs listed longest ago go first, so a budget cut rotates through the organization over successive syncs.
  // The time is looked up once per pair: keys built inside the comparator made ~2 x n log n strings (200 MB at 50,000).
  const pairs = provisioned.flat().sort((a, b) => (a.lastListedAt?.getTime() ?? 0) - (b.lastListedAt?.getTime() ?? 0));
  const directory = byPrincipal ? await listByPrincipal(port, counted) : null;
  const listings: PairListing[] = directory
    ? pairs.map((pair) => ({
        ...pair,
        principals: directory.failed
          ? null
          : (directory.byPair.get(`${pair.permissionSetArn}|${pair.accountId}`) ?? []),
      }))
    : await mapWithConcurrency(pairs, CONCURRENCY, async (pair) => {
        if (calls >= callBudget) return { ...pair, principals: null };
        const principals = await counted(() => port.listAssignments(pair)).catch(() => null);
        return { ...pair, principals };
      });

  const userIds = [
    ...new Set(
      listings.flatMap((l) => (l.principals ?? []).filter((p) => p.principalType === "USER").map((p) => p.principalId)),
    ),
  ];
  // Portal users are named from the portal's own table; only strangers cost a DescribeUser (none when listed by principal).
  const listedNames = directory?.userNames ?? new Map<string, string | null>();
  const known = new Set(
    (
      await ctx.db.user.findMany({
        where: { identityStoreUserId: { in: userIds } },
        select: { identityStoreUserId: true },
      })
    ).map((u) => u.identityStoreUserId),
  );
  const strangers = await mapWithConcurrency(
    userIds.filter((id) => !known.has(id) && !listedNames.has(id)),
    CONCURRENCY,
    async (userId) => {
      if (calls >= callBudget) return [userId, null] as const;
      const user = await counted(() => port.describeUser(userId)).catch(() => null);
      return [userId, user ? (user.displayName ?? user.userName ?? user.email ?? null) : null] as const;
    },
  );
  const userNames = new Map([...listedNames, ...strangers]);
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
        const listedGroup = directory?.groupNames.get(groupId);
        const [group, members] = await Promise.all([
          listedGroup !== undefined
            ? { displayName: listedGroup }
            : counted(() => port.describeGroup(groupId)).catch(() => null),
          counted(() => port.countGroupMembers(groupId)).catch(() => null),
        ]);
        return [groupId, { name: group?.displayName ?? null, members }] as const;
      })
    ).filter((entry): entry is readonly [string, { name: string | null; members: number | null }] => entry[1] !== null),
  );

  const now = ctx.now();
  const listed = listings.filter((l) => l.principals !== null);
  const assignmentRows = listed.flatMap((l) => (l.principals ?? []).map((p) => ({ listing: l, principal: p })));
  const toRow = ({ listing: l, principal: p }: (typeof assignmentRows)[number]) => ({
    accountId: l.accountId,
    permissionSetArn: l.permissionSetArn,
    principalType: p.principalType,
    principalId: p.principalId,
    principalName:
      p.principalType === "GROUP" ? (groups.get(p.principalId)?.name ?? null) : (userNames.get(p.principalId) ?? null),
    memberCount: groups.get(p.principalId)?.members ?? null,
    syncedAt: now,
  });
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
    for (const data of chunksOf(listings, WRITE_CHUNK, (l) => ({
      permissionSetArn: l.permissionSetArn,
      accountId: l.accountId,
      current: l.current,
      assignmentsSyncedAt: l.principals ? now : l.lastListedAt,
      syncedAt: now,
    })))
      await tx.inventoryProvisioning.createMany({ data });
    for (const data of chunksOf(assignmentRows, WRITE_CHUNK, toRow)) await tx.inventoryAssignment.createMany({ data });
  }, INVENTORY_TRANSACTION);
  return {
    permissionSets: sets.length,
    pairs: listings.length,
    assignments: assignmentRows.length,
    groups: groups.size,
    users: userIds.length,
    stalePairs: stale.length,
    failedPermissionSets: failedSets.size,
    calls,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Every user and group, then each one's assignments; any failed listing leaves every pair unlisted (its rows are kept). */
async function listByPrincipal(port: IdentityCenterPort, counted: <T>(run: () => Promise<T>) => Promise<T>) {
  const byPair = new Map<string, AssignmentPrincipal[]>();
  const userNames = new Map<string, string | null>();
  const groupNames = new Map<string, string>();
  try {
    const [users, groups] = await Promise.all([counted(() => port.listUsers()), counted(() => port.listGroups())]);
    for (const user of users) userNames.set(user.id, user.displayName ?? user.userName ?? user.email ?? null);
    for (const group of groups) groupNames.set(group.id, group.displayName);
    const principals = [
      ...users.map((u) => ({ principalType: "USER" as const, principalId: u.id })),
      ...groups.map((g) => ({ principalType: "GROUP" as const, principalId: g.id })),
    ];
    await mapWithConcurrency(principals, CONCURRENCY, async (principal) => {
      const held = await counted(() =>
        port.listAssignmentsForPrincipal(principal.principalId, {}, principal.principalType),
      );
      for (const a of held) {
        const key = `${a.permissionSetArn}|${a.accountId}`;
        let list = byPair.get(key);
        if (!list) byPair.set(key, (list = []));
        list.push({ principalType: a.principalType, principalId: a.principalId });
      }
    });
    return { failed: false, byPair, userNames, groupNames };
  } catch {
    return { failed: true, byPair, userNames, groupNames };
  }
}

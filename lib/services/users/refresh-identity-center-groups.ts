import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { identityCenterGroupsNamed } from "../../domain/group-targets";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { getActivePolicy } from "../policy/active-policy";

export type GroupIdCache = Map<string, { groupId: string | null; readAt: number }>;

const GROUP_ID_CACHE_MS = 5 * 60_000;

export interface RefreshGroupsDeps {
  port: Pick<
    IdentityCenterPort,
    "findUserIdByUserName" | "findUserIdByEmail" | "listGroupIdsForUser" | "findGroupIdByDisplayName"
  >;
  /** Display name → group id, shared by the worker's refreshes so a sweep makes one GetGroupId per group, not per user. */
  groupIds?: GroupIdCache;
}

async function groupIdOf(deps: RefreshGroupsDeps, name: string, nowMs: number): Promise<string | null> {
  const cached = deps.groupIds?.get(name);
  if (cached && nowMs - cached.readAt < GROUP_ID_CACHE_MS) return cached.groupId;
  const groupId = await deps.port.findGroupIdByDisplayName(name);
  deps.groupIds?.set(name, { groupId, readAt: nowMs });
  return groupId;
}

/**
 * Worker verb: reads which of the Identity Center groups the policy mentions the user belongs to
 * (ListGroupMembershipsForMember) and stores them with the time read; a change of membership is audited.
 */
export async function refreshIdentityCenterGroups({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { userId: string };
  deps: RefreshGroupsDeps;
}): Promise<{ groups: string[] } | { skipped: "unknown-user" | "not-in-identity-store" }> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker reads Identity Center groups.");
  const user = await ctx.db.user.findUnique({ where: { id: input.userId } });
  if (!user?.email) return { skipped: "unknown-user" };
  const policy = await getActivePolicy(ctx.db).catch(() => null);
  const named = policy ? [...identityCenterGroupsNamed(policy.document).keys()] : [];
  const now = ctx.now();
  let groups: string[] = [];
  let identityStoreUserId = user.identityStoreUserId;
  if (named.length > 0) {
    identityStoreUserId ??=
      (await deps.port.findUserIdByUserName(user.email)) ?? (await deps.port.findUserIdByEmail(user.email));
    if (identityStoreUserId) {
      const memberOf = new Set(await deps.port.listGroupIdsForUser(identityStoreUserId));
      for (const name of named) {
        const groupId = await groupIdOf(deps, name, now.getTime());
        if (groupId && memberOf.has(groupId)) groups.push(name);
      }
      groups = groups.sort();
    }
  }
  await ctx.db.$transaction(async (tx) => {
    const before = await tx.user.findUniqueOrThrow({ where: { id: user.id }, select: { identityCenterGroups: true } });
    await tx.user.update({
      where: { id: user.id },
      data: { identityCenterGroups: groups, identityCenterGroupsAt: now, identityStoreUserId },
    });
    if (before.identityCenterGroups.join("\n") !== groups.join("\n"))
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "user.identity_center_groups_changed",
          entityType: "user",
          entityId: user.id,
          before: { identityCenterGroups: before.identityCenterGroups },
          after: { identityCenterGroups: groups },
        },
        now,
      );
  });
  if (named.length > 0 && !identityStoreUserId) return { skipped: "not-in-identity-store" };
  return { groups };
}

/** Users with a live session whose reading is due (older than half the cache window), oldest first. */
export async function usersDueForGroupRefresh(ctx: ServiceContext, dueBefore: Date, limit = 200): Promise<string[]> {
  const users = await ctx.db.user.findMany({
    where: {
      sessions: { some: { expires: { gt: ctx.now() } } },
      OR: [{ identityCenterGroupsAt: null }, { identityCenterGroupsAt: { lt: dueBefore } }],
    },
    orderBy: { identityCenterGroupsAt: { sort: "asc", nulls: "first" } },
    select: { id: true },
    take: limit,
  });
  return users.map((user) => user.id);
}

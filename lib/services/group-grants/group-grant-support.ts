import { groupTargetShortLabel } from "../../domain/group-targets";
import type { MembershipReading } from "../../domain/group-membership";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import type { ServiceContext } from "../context";
import { raiseAlert } from "../alerts/raise-alert";
import { retryableAws } from "../grants/grant-support";

export const GROUP_MISSING_ALERT_KIND = "group-missing";
export const GROUP_DELETED_WHILE_ACTIVE_ALERT_KIND = "group-deleted-while-active";

/** How people read a group grant's target (contract label). */
export const groupMembershipLabel = (groupName: string) => `membership of Identity Center group "${groupName}"`;

/** GetGroupMembershipId, then IsMemberInGroups: a membership counts only when both agree. */
export async function readMembership(
  port: IdentityCenterPort,
  groupId: string,
  memberId: string,
): Promise<MembershipReading> {
  const lookup = await retryableAws("GetGroupMembershipId", () => port.findGroupMembership(groupId, memberId));
  if (lookup.status === "GROUP_NOT_FOUND") return { kind: "group-missing" };
  const inGroup = await retryableAws("IsMemberInGroups", () => port.isMemberInGroup(groupId, memberId));
  if (lookup.status === "MEMBER") return { kind: "member", membershipId: lookup.membershipId, inGroup };
  // No membership id while IsMemberInGroups says yes: the two disagree, so neither a create nor a removal is verified.
  return inGroup ? { kind: "member", membershipId: "", inGroup } : { kind: "not-member" };
}

/** One alert per group grant and kind: a group the policy names was deleted under a grant. */
export async function raiseGroupGrantAlert(
  ctx: ServiceContext,
  grant: { id: string; requestId: string; groupName: string; userEmail: string | null },
  kind: typeof GROUP_MISSING_ALERT_KIND | typeof GROUP_DELETED_WHILE_ACTIVE_ALERT_KIND,
  reason: string,
) {
  await raiseAlert({
    ctx,
    input: {
      kind,
      severity: "critical",
      dedupeKey: `${kind}:${grant.id}`,
      subject: `${reason} (${grant.userEmail ?? "a user"}, ${groupTargetShortLabel(grant.groupName)})`,
      detail: { groupGrantId: grant.id, requestId: grant.requestId, groupName: grant.groupName, reason },
      requestId: grant.requestId,
    },
  });
}

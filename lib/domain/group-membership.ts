// Temporary Identity Center group membership: the pure decisions a group grant's worker verbs take (same ref-count rules as
// assignments, see refcount.ts), and the reconciler's reading of portal-managed groups.
import { decideOnGrantEnd, decideOnGrantStart, type GrantEndDecision, type TupleGrant } from "./refcount";

/** What GetGroupMembershipId (and IsMemberInGroups) said about one user in one group. */
export type MembershipReading =
  { kind: "member"; membershipId: string; inGroup: boolean } | { kind: "not-member" } | { kind: "group-missing" };

export type MembershipStartStep =
  /** First use of the (group, user) pair and the user is already a member: standing, never removed; no create. */
  | { action: "record-standing" }
  | { action: "create" }
  | { action: "wait-for-removal" }
  | { action: "fail"; reason: string };

export const groupMissingReason = (groupName: string) =>
  `The Identity Center group "${groupName}" no longer exists, so the membership could not be granted.`;

/**
 * Before the first create of a (group, user) pair the portal reads the membership once: one that is already there was not
 * made by the portal and becomes standing. After that a start always creates (idempotent) unless a removal is in flight.
 */
export function decideMembershipStart(input: {
  groupName: string;
  /** Null once the pair is known (its standing flag is recorded); the reading on the pair's first use otherwise. */
  firstReading: MembershipReading | null;
  pairIsStanding: boolean;
  pairHasRemovalInFlight: boolean;
}): MembershipStartStep {
  if (input.firstReading?.kind === "group-missing")
    return { action: "fail", reason: groupMissingReason(input.groupName) };
  if (input.firstReading?.kind === "member" || input.pairIsStanding) return { action: "record-standing" };
  return decideOnGrantStart({ tupleHasRemovalInFlight: input.pairHasRemovalInFlight }) === "create"
    ? { action: "create" }
    : { action: "wait-for-removal" };
}

export type MembershipVerification =
  | { outcome: "verified"; membershipId?: string }
  | { outcome: "not-yet" }
  | { outcome: "failed"; reason: string; alert: boolean };

/** After CreateGroupMembership: verified only with a membership id and IsMemberInGroups true. */
export function verifyMembershipCreated(groupName: string, reading: MembershipReading): MembershipVerification {
  if (reading.kind === "group-missing")
    return { outcome: "failed", reason: groupMissingReason(groupName), alert: true };
  if (reading.kind === "member" && reading.membershipId !== "" && reading.inGroup)
    return { outcome: "verified", membershipId: reading.membershipId };
  return { outcome: "not-yet" };
}

/** After DeleteGroupMembership: verified when no membership id is found and IsMemberInGroups is false. */
export function verifyMembershipRemoved(groupName: string, reading: MembershipReading): MembershipVerification {
  // A deleted group has no members left: the access is gone, but someone removed a group the policy names.
  if (reading.kind === "group-missing")
    return {
      outcome: "failed",
      reason: `The Identity Center group "${groupName}" was deleted while the membership was active.`,
      alert: true,
    };
  if (reading.kind === "not-member") return { outcome: "verified" };
  return { outcome: "not-yet" };
}

/** Ending a group grant: keep the membership when it is standing or another ACTIVE grant of the pair covers it. */
export function decideMembershipEnd(input: {
  endingGrantId: string;
  pairIsStanding: boolean;
  otherGrants: readonly TupleGrant[];
  now: Date;
}): GrantEndDecision {
  return decideOnGrantEnd({
    endingGrantId: input.endingGrantId,
    tupleIsStanding: input.pairIsStanding,
    otherGrants: input.otherGrants,
    now: input.now,
  });
}

export type GroupFinding =
  | { kind: "OUT_OF_BAND"; groupName: string; userId: string }
  | { kind: "MISSING"; groupName: string; userId: string; grantIds: string[] }
  | { kind: "GROUP_DELETED"; groupName: string };

/**
 * The reconciler over the groups the policy's group rules name. `members` is null for a group that no longer exists.
 * A member with an ACTIVE grant is expected; a standing member is never flagged; anyone else is out of band (added in
 * the console or by an IdP's SCIM sync). An ACTIVE grant whose member is gone is MISSING (a SCIM sync may have removed it).
 */
export function planGroupReconcile(input: {
  groups: readonly { groupName: string; members: readonly string[] | null }[];
  activeGrants: readonly { grantId: string; groupName: string; userId: string }[];
  standing: readonly { groupName: string; userId: string }[];
  /** Pairs whose grant changed (started or ended) within the grace before the listing: left to their own jobs. */
  inMotion: readonly { groupName: string; userId: string }[];
}): GroupFinding[] {
  const key = (groupName: string, userId: string) => `${groupName}\u0000${userId}`;
  const standing = new Set(input.standing.map((pair) => key(pair.groupName, pair.userId)));
  const moving = new Set(input.inMotion.map((pair) => key(pair.groupName, pair.userId)));
  const findings: GroupFinding[] = [];
  for (const group of input.groups) {
    const expected = new Map<string, string[]>();
    for (const grant of input.activeGrants)
      if (grant.groupName === group.groupName)
        expected.set(grant.userId, [...(expected.get(grant.userId) ?? []), grant.grantId]);
    if (group.members === null) {
      findings.push({ kind: "GROUP_DELETED", groupName: group.groupName });
      continue;
    }
    const members = new Set(group.members);
    for (const userId of [...members].sort()) {
      const pair = key(group.groupName, userId);
      if (!expected.has(userId) && !standing.has(pair) && !moving.has(pair))
        findings.push({ kind: "OUT_OF_BAND", groupName: group.groupName, userId });
    }
    for (const [userId, grantIds] of expected)
      if (!members.has(userId) && !moving.has(key(group.groupName, userId)))
        findings.push({ kind: "MISSING", groupName: group.groupName, userId, grantIds });
  }
  return findings;
}

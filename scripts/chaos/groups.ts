// The `groups` scenario: temporary Identity Center group memberships driven through worker kills. Pairs shared between
// grants (ref-counting), members who were there before the portal (never removed), and early ends as a release makes them.
import type { PrismaClient } from "../../lib/db";
import type { JobQueue } from "../../lib/jobs/job-queue";
import { QUEUES } from "../../lib/jobs/queues";
import type { GroupMembershipRecord } from "../../lib/simulator/state";
import { DEMO_SEED } from "../../lib/simulator/seed";
import { unauditedGrants, stuckGrants, type AuditRow } from "./checks";
import { upsertSeedUsers, type PlanOptions } from "./plan";

/** Every seeded group: prod-db-admins starts empty, the others have seeded members, pre-existing (standing) for the portal. */
export const CHAOS_GROUPS = DEMO_SEED.groups.map((group) => group.displayName);
const groupIdOf = (name: string) => DEMO_SEED.groups.find((group) => group.displayName === name)!.groupId;
/** Added out of band before the run, so prod-db-admins has a pre-existing member too. */
export const OUT_OF_BAND_BEFORE_RUN = [{ groupId: groupIdOf("prod-db-admins"), userId: DEMO_SEED.users[0]!.userId }];

export interface GroupPair {
  groupName: string;
  userId: string;
}
const pairKey = (groupId: string, userId: string) => `${groupId}|${userId}`;

export interface PlannedGroupGrant extends GroupPair {
  startsAfterS: number;
  windowS: number;
  releaseAt: number | null;
}

export function planGroupGrants(options: PlanOptions, random: () => number): PlannedGroupGrant[] {
  const between = ([low, high]: [number, number]) => low + random() * (high - low);
  const all = CHAOS_GROUPS.flatMap((groupName) => DEMO_SEED.users.map((user) => ({ groupName, userId: user.userId })));
  const preexisting = new Set([
    ...DEMO_SEED.users.flatMap((user) => user.groups.map((group) => pairKey(groupIdOf(group), user.userId))),
    ...OUT_OF_BAND_BEFORE_RUN.map((pair) => pairKey(pair.groupId, pair.userId)),
  ]);
  const isPreexisting = (pair: GroupPair) => preexisting.has(pairKey(groupIdOf(pair.groupName), pair.userId));
  const standing = all.filter(isPreexisting);
  const fresh = all.filter((pair) => !isPreexisting(pair));
  const poolSize = Math.max(4, Math.min(fresh.length, Math.round(options.grants * options.tuplesPerGrant)));
  const pool = [...fresh].sort(() => random() - 0.5).slice(0, poolSize);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: options.grants }, () => ({
    // A pre-existing member's grants are more frequent than the assignment plan's: that is the case under test.
    ...(random() < Math.max(options.standingShare, 0.15) ? pick(standing) : pick(pool)),
    startsAfterS: random() * options.spreadSeconds,
    windowS: between(options.windowSeconds),
    releaseAt: random() < options.releaseShare ? 0.2 + random() * 0.5 : null,
  }));
}

export interface SeededGroupGrant {
  grantId: string;
  startsAt: Date;
  endsAt: Date;
  releaseAt: Date | null;
}

/** One approved request per planned grant with its group target, group grant and activation job, as an approval writes them. */
export async function seedGroupGrants(
  db: PrismaClient,
  queue: JobQueue,
  plan: PlannedGroupGrant[],
  origin: Date,
): Promise<SeededGroupGrant[]> {
  const users = await upsertSeedUsers(db);
  const seeded: SeededGroupGrant[] = [];
  for (let offset = 0; offset < plan.length; offset += 50) {
    await db.$transaction(
      async (tx) => {
        for (const planned of plan.slice(offset, offset + 50)) {
          const startsAt = new Date(origin.getTime() + planned.startsAfterS * 1000);
          const endsAt = new Date(startsAt.getTime() + planned.windowS * 1000);
          const requesterId = users.get(planned.userId)!;
          const request = await tx.accessRequest.create({
            data: {
              requesterId,
              status: "APPROVED",
              justification: "chaos harness group grant",
              durationMinutes: 1,
              startsAt,
              endsAt,
              requiredApprovals: 0,
              decidedAt: new Date(),
              groupTargets: { create: [{ groupName: planned.groupName }] },
            },
            include: { groupTargets: true },
          });
          const grant = await tx.groupGrant.create({
            data: {
              requestId: request.id,
              targetId: request.groupTargets[0]!.id,
              userId: requesterId,
              groupName: planned.groupName,
              startsAt,
              endsAt,
            },
          });
          await queue.send(
            tx,
            QUEUES.activateGroupGrant,
            { grantId: grant.id },
            { startAfter: startsAt, singletonKey: `activate-group-${grant.id}` },
          );
          const releaseAt =
            planned.releaseAt === null
              ? null
              : new Date(startsAt.getTime() + planned.releaseAt * planned.windowS * 1000);
          seeded.push({ grantId: grant.id, startsAt, endsAt, releaseAt });
        }
      },
      { timeout: 60_000 },
    );
  }
  return seeded;
}

/** Early ends as release and revoke make them (end-request-grants): the end moves to now and the removal job runs now. */
export async function releaseGroupGrants(db: PrismaClient, queue: JobQueue, grants: SeededGroupGrant[]) {
  const due = grants.filter((g) => g.releaseAt).sort((a, b) => a.releaseAt!.getTime() - b.releaseAt!.getTime());
  let released = 0;
  for (const grant of due) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, grant.releaseAt!.getTime() - Date.now())));
    const now = new Date();
    try {
      released += await db.$transaction(async (tx) => {
        const moved = await tx.groupGrant.updateMany({
          where: { id: grant.grantId, endsAt: { gt: now }, status: { in: ["ACTIVE", "PROVISIONING"] } },
          data: { endsAt: now, version: { increment: 1 } },
        });
        if (moved.count === 1)
          await queue.send(
            tx,
            QUEUES.deactivateGroupGrant,
            { grantId: grant.grantId },
            { singletonKey: `deactivate-group-${grant.grantId}-${now.getTime()}` },
          );
        return moved.count;
      });
    } catch {
      // The database is busy or down: the grant runs to its end.
    }
  }
  return released;
}

export interface GroupGrantRow {
  id: string;
  status: string;
  groupId: string | null;
  memberId: string | null;
  createVerifiedAt: Date | null;
  deleteVerifiedAt: Date | null;
  keptForOtherGrant: boolean;
}

export interface GroupEvidence {
  grants: GroupGrantRow[];
  audit: AuditRow[];
  /** Memberships of the chaos groups before the first grant and at the end. */
  before: GroupMembershipRecord[];
  after: GroupMembershipRecord[];
}

/** The scenario's invariants: nothing leaked, no pre-existing member removed, every ended grant verified, all audited. */
export function groupInvariants(evidence: GroupEvidence) {
  const preexisting = new Set(evidence.before.map((m) => pairKey(m.groupId, m.userId)));
  const active = new Set(
    evidence.grants.filter((g) => g.status === "ACTIVE").map((g) => pairKey(g.groupId!, g.memberId!)),
  );
  const touched = new Set(evidence.grants.filter((g) => g.groupId).map((g) => pairKey(g.groupId!, g.memberId!)));
  const leaked = evidence.after.filter((m) => {
    const key = pairKey(m.groupId, m.userId);
    return touched.has(key) && !preexisting.has(key) && !active.has(key);
  });
  // The same membership id at the end: never deleted (a delete and re-create would bring a new id).
  const kept = new Set(evidence.after.map((m) => m.membershipId));
  const preexistingRemoved = evidence.before.filter((m) => !kept.has(m.membershipId));
  const unverified = evidence.grants.filter((g) => g.status === "REMOVED" && g.deleteVerifiedAt === null);
  return {
    leaked,
    preexistingRemoved,
    unverified,
    stuck: stuckGrants(evidence.grants),
    unaudited: unauditedGrants(evidence.grants, evidence.audit),
    cycles: evidence.grants.filter((g) => g.createVerifiedAt && g.status === "REMOVED").length,
    kept: evidence.grants.filter((g) => g.keptForOtherGrant).length,
  };
}

export const chaosGroupIds = new Set(CHAOS_GROUPS.map(groupIdOf));

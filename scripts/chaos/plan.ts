// The grants a chaos run drives: short windows, tuples shared between grants (ref-counting), the standing tuple included.
import type { PrismaClient } from "../../lib/db";
import type { JobQueue } from "../../lib/jobs/job-queue";
import { createGrantsForRequest } from "../../lib/services/requests/create-request";
import { DEMO_SEED, MANAGEMENT_ACCOUNT_ID } from "../../lib/simulator/seed";

export interface Tuple {
  accountId: string;
  permissionSetArn: string;
  principalId: string;
}

export interface PlannedGrant {
  tuple: Tuple;
  /** Seconds after the plan's start. */
  startsAfterS: number;
  windowS: number;
  /** Released early by the requester at this fraction of its window, or never. */
  releaseAt: number | null;
}

export interface PlanOptions {
  grants: number;
  spreadSeconds: number;
  windowSeconds: [number, number];
  /** Share of grants on the seeded standing assignment, which must never be removed. */
  standingShare: number;
  releaseShare: number;
  /** Distinct tuples per grant: lower means more grants overlap on one assignment. */
  tuplesPerGrant: number;
}

/** mulberry32, so a failing run can be replayed with its seed. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const STANDING = DEMO_SEED.standingAssignments.map((a) => ({
  accountId: a.accountId,
  permissionSetArn: a.permissionSetArn,
  principalId: a.principalId,
}));

// Grants are user grants: a group's standing assignment is never a grant's tuple.
const STANDING_USER_TUPLES = STANDING.filter(
  (_, index) => DEMO_SEED.standingAssignments[index]!.principalType === "USER",
);

export const tupleKey = (t: Tuple) => `${t.accountId}|${t.permissionSetArn}|${t.principalId}`;

export function planGrants(options: PlanOptions, random: () => number): PlannedGrant[] {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const between = ([low, high]: [number, number]) => low + random() * (high - low);
  const standingKeys = new Set(STANDING.map(tupleKey));
  const all = DEMO_SEED.users
    .flatMap((user) =>
      DEMO_SEED.accounts
        .filter((account) => account.id !== MANAGEMENT_ACCOUNT_ID)
        .flatMap((account) =>
          DEMO_SEED.permissionSets.map((set) => ({
            accountId: account.id,
            permissionSetArn: set.arn,
            principalId: user.userId,
          })),
        ),
    )
    .filter((t) => !standingKeys.has(tupleKey(t)));
  const poolSize = Math.max(4, Math.min(all.length, Math.round(options.grants * options.tuplesPerGrant)));
  const pool: Tuple[] = [];
  const shuffled = [...all];
  for (let i = 0; i < poolSize; i++) {
    const j = i + Math.floor(random() * (shuffled.length - i));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    pool.push(shuffled[i]!);
  }
  return Array.from({ length: options.grants }, () => ({
    tuple: random() < options.standingShare ? pick(STANDING_USER_TUPLES) : pick(pool),
    startsAfterS: random() * options.spreadSeconds,
    windowS: between(options.windowSeconds),
    releaseAt: random() < options.releaseShare ? 0.2 + random() * 0.5 : null,
  }));
}

export interface SeededGrant {
  grantId: string;
  requestId: string;
  requesterId: string;
  tuple: Tuple;
  startsAt: Date;
  endsAt: Date;
  releaseAt: Date | null;
}

/** A portal user per seeded Identity Store person; Identity Store user id → portal user id. */
export async function upsertSeedUsers(db: PrismaClient): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  for (const user of DEMO_SEED.users) {
    const row = await db.user.upsert({
      where: { email: user.email },
      update: {},
      create: {
        email: user.email,
        name: user.name,
        roles: ["REQUESTER"],
        idpGroups: [...user.groups],
        identityStoreUserId: user.userId,
      },
    });
    users.set(user.userId, row.id);
  }
  return users;
}

/** Users for the seeded Identity Store people, then one approved request per planned grant through the approval path's own grant creation (grant + activation job in one transaction). */
export async function seedGrants(
  db: PrismaClient,
  queue: JobQueue,
  plan: PlannedGrant[],
  origin: Date,
): Promise<SeededGrant[]> {
  const users = await upsertSeedUsers(db);
  const seeded: SeededGrant[] = [];
  for (let offset = 0; offset < plan.length; offset += 50) {
    await db.$transaction(
      async (tx) => {
        for (const planned of plan.slice(offset, offset + 50)) {
          const startsAt = new Date(origin.getTime() + planned.startsAfterS * 1000);
          const endsAt = new Date(startsAt.getTime() + planned.windowS * 1000);
          const requesterId = users.get(planned.tuple.principalId)!;
          const request = await tx.accessRequest.create({
            data: {
              requesterId,
              status: "APPROVED",
              justification: "chaos harness grant",
              durationMinutes: 1,
              startsAt,
              endsAt,
              requiredApprovals: 0,
              decidedAt: new Date(),
              targets: {
                create: [{ accountId: planned.tuple.accountId, permissionSetArn: planned.tuple.permissionSetArn }],
              },
            },
            include: { targets: true },
          });
          await createGrantsForRequest(tx, queue, request, requesterId);
          const grant = await tx.grant.findFirstOrThrow({ where: { requestId: request.id }, select: { id: true } });
          const releaseAt =
            planned.releaseAt === null
              ? null
              : new Date(startsAt.getTime() + planned.releaseAt * planned.windowS * 1000);
          seeded.push({
            grantId: grant.id,
            requestId: request.id,
            requesterId,
            tuple: planned.tuple,
            startsAt,
            endsAt,
            releaseAt,
          });
        }
      },
      { timeout: 60_000 },
    );
  }
  return seeded;
}

import type { GrantStatus } from "./request-lifecycle";

// The strings match the Prisma enums so rows and domain values need no mapping.
export const DRIFT_KINDS = ["MISSING_ASSIGNMENT", "LINGERING_ASSIGNMENT", "OUT_OF_BAND_ASSIGNMENT"] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export type PrincipalType = "USER" | "GROUP";

export interface TargetRef {
  accountId: string;
  permissionSetArn: string;
}

export interface PrincipalTuple extends TargetRef {
  principalType: PrincipalType;
  principalId: string;
}

/** One (account, permission set) whose assignments were listed; a target that could not be listed is left out entirely. */
export interface ObservedTarget extends TargetRef {
  /** When the listing started: grants changed after this (minus the grace) may not be reflected in it. */
  listedAt: Date;
  principals: readonly { principalType: PrincipalType; principalId: string }[];
}

export interface ReconcileGrant extends TargetRef {
  id: string;
  /** Portal grants always assign a USER; null until the principal is resolved. */
  principalId: string | null;
  status: GrantStatus;
  startsAt: Date;
  endsAt: Date;
  updatedAt: Date;
  /** Set once the grant's assignment was seen created: only such a grant can leave an assignment behind. */
  createVerifiedAt: Date | null;
}

/** An AssignmentTuple row: the portal has seen this tuple; standing ones are never removed nor reported. */
export interface KnownTuple extends TargetRef {
  principalId: string;
  standing: boolean;
}

export interface OpenFinding extends TargetRef {
  id: string;
  kind: DriftKind;
  principalType: string;
  principalId: string;
  grantId: string | null;
}

export interface ReconcileSettings {
  /** An active grant whose assignment vanished: create it again, or fail the grant and alert. */
  missing: "recreate" | "mark";
  /** An assignment nobody requested: only report it, or also remove it (users only; groups are never removed automatically). */
  outOfBand: "report" | "remove";
  /** A grant changed this close to the listing is left to its own job this round. */
  graceMs: number;
}

export interface ReconcileInput {
  now: Date;
  targets: readonly ObservedTarget[];
  /** Keys (targetKey) of targets whose pre-existing assignments were already recorded as the baseline. */
  baselinedTargets: readonly string[];
  grants: readonly ReconcileGrant[];
  tuples: readonly KnownTuple[];
  openFindings: readonly OpenFinding[];
  settings: ReconcileSettings;
}

/** What to do about a drift besides recording it. */
export type Remedy = "none" | "recreate" | "mark-failed" | "unassign";

export type UnsettledReason = "operation-in-flight" | "activation-due" | "recently-changed" | "ending";

export type ResolveReason =
  | "assignment-present"
  | "assignment-gone"
  | "now-standing"
  | "now-held-by-grant"
  | "window-ended"
  | "superseded"
  | "duplicate";

export type ReconcileAction =
  | { type: "baseline"; tuple: PrincipalTuple }
  | {
      type: "drift";
      kind: DriftKind;
      tuple: PrincipalTuple;
      /** The grants concerned, the one the finding names first. */
      grantIds: string[];
      /** The open finding this repeats (only lastSeenAt changes), or null for a new one. */
      findingId: string | null;
      remedy: Remedy;
    }
  | { type: "resolve"; findingId: string; kind: DriftKind; grantId: string | null; reason: ResolveReason };

export interface ReconcilePlan {
  actions: ReconcileAction[];
  /** Observed for the first time: their unexplained assignments are the baseline (see the baseline actions). */
  newlyBaselinedTargets: TargetRef[];
  unsettled: { tuple: PrincipalTuple; reason: UnsettledReason }[];
}

export const targetKey = (target: TargetRef) => `${target.accountId}|${target.permissionSetArn}`;
const tupleKey = (tuple: PrincipalTuple) => `${targetKey(tuple)}|${tuple.principalType}|${tuple.principalId}`;
const knownKey = (target: TargetRef, principalId: string) => `${targetKey(target)}|${principalId}`;

const IN_FLIGHT: readonly GrantStatus[] = ["PROVISIONING", "REMOVING", "REMOVAL_FAILED"];
const ENDED: readonly GrantStatus[] = ["REMOVED", "FAILED", "CANCELLED"];

type Verdict =
  | { kind: "unsettled"; reason: UnsettledReason }
  | { kind: "in-sync"; why: "held-by-grant" | "standing" | "absent" }
  | { kind: "baseline" }
  | { kind: "drift"; drift: DriftKind; grantIds: string[]; remedy: Remedy };

interface TupleFacts {
  tuple: PrincipalTuple;
  present: boolean;
  listedAt: Date;
  grants: ReconcileGrant[];
  standing: boolean;
  known: boolean;
  targetBaselined: boolean;
}

/** Compares listed assignments with grants and says what to do; the rules, and why, are in lib/domain/README.md. */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { now, settings } = input;
  const baselined = new Set(input.baselinedTargets);
  const standing = new Map(input.tuples.map((t) => [knownKey(t, t.principalId), t.standing]));
  const grantsByTuple = new Map<string, ReconcileGrant[]>();
  for (const grant of input.grants) {
    if (!grant.principalId) continue;
    const key = tupleKey({ ...grant, principalType: "USER", principalId: grant.principalId });
    grantsByTuple.set(key, [...(grantsByTuple.get(key) ?? []), grant]);
  }

  const facts = new Map<string, TupleFacts>();
  const observedTargets = new Map(input.targets.map((t) => [targetKey(t), t]));
  const add = (tuple: PrincipalTuple, present: boolean, target: ObservedTarget) => {
    const key = tupleKey(tuple);
    const existing = facts.get(key);
    if (existing) {
      existing.present ||= present;
      return;
    }
    const known = standing.get(knownKey(tuple, tuple.principalId));
    facts.set(key, {
      tuple,
      present,
      listedAt: target.listedAt,
      grants: grantsByTuple.get(key) ?? [],
      standing: known === true,
      known: known !== undefined,
      targetBaselined: baselined.has(targetKey(tuple)),
    });
  };
  for (const target of input.targets) {
    for (const principal of target.principals)
      add({ accountId: target.accountId, permissionSetArn: target.permissionSetArn, ...principal }, true, target);
  }
  // Tuples the grants or findings expect that were not listed: absent, but only where the target itself was listed.
  for (const grant of input.grants) {
    const target = observedTargets.get(targetKey(grant));
    if (target && grant.principalId)
      add(
        {
          accountId: grant.accountId,
          permissionSetArn: grant.permissionSetArn,
          principalType: "USER",
          principalId: grant.principalId,
        },
        false,
        target,
      );
  }
  for (const finding of input.openFindings) {
    const target = observedTargets.get(targetKey(finding));
    if (target)
      add(
        {
          accountId: finding.accountId,
          permissionSetArn: finding.permissionSetArn,
          principalType: asPrincipalType(finding.principalType),
          principalId: finding.principalId,
        },
        false,
        target,
      );
  }

  const actions: ReconcileAction[] = [];
  const unsettled: ReconcilePlan["unsettled"] = [];
  const verdicts = new Map<string, Verdict>();
  for (const [key, fact] of facts) {
    const verdict = judge(fact, now, settings);
    verdicts.set(key, verdict);
    if (verdict.kind === "unsettled") unsettled.push({ tuple: fact.tuple, reason: verdict.reason });
    if (verdict.kind === "baseline") actions.push({ type: "baseline", tuple: fact.tuple });
  }

  // Each drift repeats at most one open finding of its kind; further open ones for the same tuple and kind are duplicates.
  const claimed = new Set<string>();
  const findingsByTupleKind = new Map<string, OpenFinding[]>();
  for (const finding of input.openFindings) {
    if (!observedTargets.has(targetKey(finding))) continue;
    const key = `${tupleKey({ ...finding, principalType: asPrincipalType(finding.principalType) })}|${finding.kind}`;
    findingsByTupleKind.set(key, [...(findingsByTupleKind.get(key) ?? []), finding]);
  }
  for (const [key, verdict] of verdicts) {
    if (verdict.kind !== "drift") continue;
    const fact = facts.get(key)!;
    const existing = findingsByTupleKind.get(`${key}|${verdict.drift}`)?.[0] ?? null;
    if (existing) claimed.add(existing.id);
    actions.push({
      type: "drift",
      kind: verdict.drift,
      tuple: fact.tuple,
      grantIds: verdict.grantIds,
      findingId: existing?.id ?? null,
      remedy: verdict.remedy,
    });
  }

  const grantById = new Map(input.grants.map((g) => [g.id, g]));
  const seen = new Set<string>();
  for (const finding of input.openFindings) {
    if (!observedTargets.has(targetKey(finding)) || claimed.has(finding.id)) continue;
    const tuple = {
      accountId: finding.accountId,
      permissionSetArn: finding.permissionSetArn,
      principalType: asPrincipalType(finding.principalType),
      principalId: finding.principalId,
    };
    const key = tupleKey(tuple);
    const fact = facts.get(key)!;
    const verdict = verdicts.get(key)!;
    const duplicateKey = `${key}|${finding.kind}`;
    const isDuplicate = seen.has(duplicateKey) || (verdict.kind === "drift" && verdict.drift === finding.kind);
    seen.add(duplicateKey);
    if (isDuplicate) {
      actions.push({
        type: "resolve",
        findingId: finding.id,
        kind: finding.kind,
        grantId: finding.grantId,
        reason: "duplicate",
      });
      continue;
    }
    if (verdict.kind === "unsettled") continue;
    const reason = resolveReason(finding, fact, verdict, grantById.get(finding.grantId ?? ""), now);
    if (reason)
      actions.push({ type: "resolve", findingId: finding.id, kind: finding.kind, grantId: finding.grantId, reason });
  }

  const newlyBaselinedTargets = input.targets
    .filter((t) => !baselined.has(targetKey(t)))
    .map((t) => ({ accountId: t.accountId, permissionSetArn: t.permissionSetArn }));
  return { actions, newlyBaselinedTargets, unsettled };
}

function judge(fact: TupleFacts, now: Date, settings: ReconcileSettings): Verdict {
  const { grants, present, tuple } = fact;
  if (grants.some((g) => IN_FLIGHT.includes(g.status))) return { kind: "unsettled", reason: "operation-in-flight" };
  if (grants.some((g) => g.status === "SCHEDULED" && g.startsAt <= now))
    return { kind: "unsettled", reason: "activation-due" };
  if (grants.some((g) => g.updatedAt.getTime() > fact.listedAt.getTime() - settings.graceMs))
    return { kind: "unsettled", reason: "recently-changed" };
  // An active grant past its end belongs to its removal job (and the sweep); the unverified-removal alert watches it.
  if (grants.some((g) => g.status === "ACTIVE" && g.endsAt <= now)) return { kind: "unsettled", reason: "ending" };

  const expecting = grants.filter((g) => g.status === "ACTIVE").sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime());
  if (!present) {
    if (expecting.length === 0) return { kind: "in-sync", why: "absent" };
    return settings.missing === "recreate"
      ? { kind: "drift", drift: "MISSING_ASSIGNMENT", grantIds: [expecting[0]!.id], remedy: "recreate" }
      : { kind: "drift", drift: "MISSING_ASSIGNMENT", grantIds: expecting.map((g) => g.id), remedy: "mark-failed" };
  }
  if (expecting.length > 0) return { kind: "in-sync", why: "held-by-grant" };
  if (fact.standing) return { kind: "in-sync", why: "standing" };
  const delivered = grants
    .filter((g) => ENDED.includes(g.status) && (g.status === "REMOVED" || g.createVerifiedAt !== null))
    .sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime());
  if (delivered.length > 0)
    return { kind: "drift", drift: "LINGERING_ASSIGNMENT", grantIds: delivered.map((g) => g.id), remedy: "unassign" };
  if (!fact.targetBaselined && !fact.known) return { kind: "baseline" };
  const remove = settings.outOfBand === "remove" && tuple.principalType === "USER";
  return { kind: "drift", drift: "OUT_OF_BAND_ASSIGNMENT", grantIds: [], remedy: remove ? "unassign" : "none" };
}

function resolveReason(
  finding: OpenFinding,
  fact: TupleFacts,
  verdict: Verdict,
  grant: ReconcileGrant | undefined,
  now: Date,
): ResolveReason | null {
  if (finding.kind === "MISSING_ASSIGNMENT") {
    if (fact.present) return "assignment-present";
    // A grant marked failed keeps its finding open for the admin until its window would have ended anyway.
    if (!grant || grant.endsAt <= now || grant.status === "REMOVED" || grant.status === "CANCELLED")
      return "window-ended";
    return null;
  }
  if (!fact.present) return "assignment-gone";
  if (verdict.kind === "in-sync") return verdict.why === "standing" ? "now-standing" : "now-held-by-grant";
  if (verdict.kind === "baseline") return "now-standing";
  // Still present but drifting another way (out-of-band became a grant's leftover): the other kind's finding describes it now.
  if (verdict.kind === "drift") return "superseded";
  return null;
}

function asPrincipalType(value: string): PrincipalType {
  return value === "GROUP" ? "GROUP" : "USER";
}

/** How the inventory explains one assignment Identity Center reported. */
export type AssignmentClass = "standing" | "jit" | "out-of-band" | "unrecorded" | "outside-scope";

export interface AssignmentFacts {
  principalType: "USER" | "GROUP";
  /** The reconciler or the grant worker recorded the tuple as standing (baseline, accepted, pre-existing). */
  standing: boolean;
  /** A portal grant that may hold an assignment (PROVISIONING through REMOVING) names this user and target. */
  backedByGrant: boolean;
  /** An open out-of-band drift finding names this tuple. */
  openFinding: boolean;
  /** The policy names the target (allow or deny), so the reconciler watches it. */
  inPolicyScope: boolean;
}

/**
 * Standing wins over a grant: the refcount keeps a standing tuple after the grant ends, so it outlives the grant.
 * Only users hold grants; a group is never JIT. What nothing explains is either not judged yet (the reconciler
 * watches the target) or outside the policy's scope (nobody watches it).
 */
export function classifyAssignment(facts: AssignmentFacts): AssignmentClass {
  if (facts.standing) return "standing";
  if (facts.backedByGrant && facts.principalType === "USER") return "jit";
  if (facts.openFinding) return "out-of-band";
  return facts.inPolicyScope ? "unrecorded" : "outside-scope";
}

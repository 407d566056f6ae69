// What a chaos run must show at the end, computed from the grants, their audit rows, the simulator's log and the kills.
import { readPortalStatements, revocationCutoff } from "../../lib/domain/session-revocation";
import type { LoggedCall } from "../../lib/simulator/runtime";
import type { AssignmentOperation, AssignmentRecord } from "../../lib/simulator/state";
import { tupleKey, type Tuple } from "./plan";
import type { WorkerEvent } from "./processes";

export interface GrantRow {
  id: string;
  status: string;
  accountId: string;
  permissionSetArn: string;
  principalId: string | null;
  startsAt: Date;
  endsAt: Date;
  createRequestId: string | null;
  deleteRequestId: string | null;
  createVerifiedAt: Date | null;
  deleteVerifiedAt: Date | null;
  keptForOtherGrant: boolean;
}

export interface AuditRow {
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
}

export interface Outage {
  kind: "database" | "simulator";
  fromMs: number;
  toMs: number;
}

export interface ChaosEvidence {
  grants: GrantRow[];
  audit: AuditRow[];
  assignments: AssignmentRecord[];
  operations: AssignmentOperation[];
  calls: LoggedCall[];
  workerEvents: WorkerEvent[];
  outages: Outage[];
  standing: Tuple[];
  limits: { requestsPerSecond: number; burst: number; maxInflightCreates: number; asyncDelayMs: number };
}

const TERMINAL = new Set(["REMOVED", "CANCELLED", "FAILED"]);

const statusOf = (value: unknown): string | undefined =>
  value && typeof value === "object" && "status" in value && typeof value.status === "string"
    ? value.status
    : undefined;
const requestIdOf = (value: unknown): string | undefined =>
  value && typeof value === "object" && "awsRequestId" in value && typeof value.awsRequestId === "string"
    ? value.awsRequestId
    : undefined;

export function percentile(values: number[], p: number) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Assignments present at the end that no grant or standing assignment accounts for. */
export function leakedAssignments(evidence: Pick<ChaosEvidence, "assignments" | "grants" | "standing">) {
  const allowed = new Set(evidence.standing.map(tupleKey));
  for (const grant of evidence.grants)
    if (grant.status === "ACTIVE" && grant.principalId)
      allowed.add(tupleKey({ ...grant, principalId: grant.principalId }));
  const touched = new Set(
    evidence.grants.filter((g) => g.principalId).map((g) => tupleKey({ ...g, principalId: g.principalId! })),
  );
  return evidence.assignments.filter(
    (a) => a.principalType === "USER" && touched.has(tupleKey(a)) && !allowed.has(tupleKey(a)),
  );
}

/** Standing assignments gone at the end, or deleted at any point (a later create would hide that). */
export function standingViolations(evidence: Pick<ChaosEvidence, "assignments" | "operations" | "standing">) {
  const present = new Set(evidence.assignments.map(tupleKey));
  const standing = new Set(evidence.standing.map(tupleKey));
  const missing = evidence.standing.filter((t) => !present.has(tupleKey(t))).length;
  const deleted = evidence.operations.filter(
    (op) => op.kind === "delete" && op.status === "SUCCEEDED" && standing.has(tupleKey(op)),
  ).length;
  return missing + deleted;
}

export function stuckGrants<G extends Pick<GrantRow, "status">>(grants: G[]) {
  return grants.filter((g) => !TERMINAL.has(g.status));
}

/** Grants whose audited status changes do not lead, one by one from SCHEDULED, to the status the grant has. */
export function unauditedGrants<G extends Pick<GrantRow, "id" | "status">>(grants: G[], audit: AuditRow[]) {
  const byGrant = new Map<string, AuditRow[]>();
  for (const row of audit) (byGrant.get(row.entityId) ?? byGrant.set(row.entityId, []).get(row.entityId)!).push(row);
  return grants.filter((grant) => {
    let status = "SCHEDULED";
    for (const row of byGrant.get(grant.id) ?? []) {
      const after = statusOf(row.after);
      if (!after) continue;
      const before = statusOf(row.before);
      if (before !== undefined && before !== status) return true;
      status = after;
    }
    return status !== grant.status;
  });
}

/** Operations the grants recorded, by AWS request id. */
function recordedOperations(audit: AuditRow[]) {
  const recorded = new Map<string, { grantId: string; kind: "create" | "delete" }>();
  for (const row of audit) {
    const id = requestIdOf(row.after);
    if (!id) continue;
    if (row.action === "grant.create_issued") recorded.set(id, { grantId: row.entityId, kind: "create" });
    if (row.action === "grant.delete_issued") recorded.set(id, { grantId: row.entityId, kind: "delete" });
    // The reconciler's own removals of drift are recorded too (counted separately by the harness).
    if (row.action === "drift.removed") recorded.set(id, { grantId: row.entityId, kind: "delete" });
  }
  return recorded;
}

/** A grant that says AWS did something AWS did not do: activated on a create that did not succeed, removed on a delete that did not. */
export function lostOperations(evidence: Pick<ChaosEvidence, "grants" | "operations">) {
  const byId = new Map(evidence.operations.map((op) => [op.requestId, op]));
  const lost: { grantId: string; why: string }[] = [];
  for (const grant of evidence.grants) {
    if (grant.createVerifiedAt && grant.createRequestId) {
      const op = byId.get(grant.createRequestId);
      if (op?.status !== "SUCCEEDED")
        lost.push({
          grantId: grant.id,
          why: `activated on create ${grant.createRequestId} (${op?.status ?? "unknown to AWS"})`,
        });
    }
    if (grant.status === "REMOVED" && !grant.keptForOtherGrant && grant.deleteRequestId) {
      const op = byId.get(grant.deleteRequestId);
      if (op?.status !== "SUCCEEDED")
        lost.push({
          grantId: grant.id,
          why: `removed on delete ${grant.deleteRequestId} (${op?.status ?? "unknown to AWS"})`,
        });
    }
  }
  return lost;
}

/** An operation that no grant recorded is explained when its issuer died (or the database or simulator was away) right after issuing it. */
function explained(op: AssignmentOperation, evidence: Pick<ChaosEvidence, "workerEvents" | "outages">) {
  const windowMs = 15_000;
  if (
    evidence.workerEvents.some(
      (e) =>
        (e.type === "sigkill" || e.type === "crash" || e.type === "sigterm") &&
        e.atMs >= op.createdAtMs - 1_000 &&
        e.atMs <= op.createdAtMs + windowMs,
    )
  )
    return true;
  return evidence.outages.some((o) => o.fromMs - windowMs <= op.createdAtMs && op.createdAtMs <= o.toMs + 1_000);
}

/**
 * Doubled: one grant issued the same kind of operation twice without a failure in between (two recorded issues, or an
 * unrecorded one that no death or outage explains). Orphans: operations issued by a worker that died before recording
 * them; re-issuing after such an unknown outcome is the designed recovery (creates are idempotent).
 */
export function operationAccounting(
  evidence: Pick<ChaosEvidence, "audit" | "operations" | "workerEvents" | "outages">,
) {
  const recorded = recordedOperations(evidence.audit);
  const issues = new Map<string, { create: number; delete: number; retries: number }>();
  for (const row of evidence.audit) {
    const entry = issues.get(row.entityId) ?? { create: 0, delete: 0, retries: 0 };
    if (row.action === "grant.create_issued") entry.create += 1;
    if (row.action === "grant.delete_issued") entry.delete += 1;
    if (row.action === "grant.removal_retried") entry.retries += 1;
    issues.set(row.entityId, entry);
  }
  let doubledRecorded = 0;
  for (const entry of issues.values())
    doubledRecorded += Math.max(0, entry.create - 1) + Math.max(0, entry.delete - 1 - entry.retries);
  const unrecorded = evidence.operations.filter((op) => !recorded.has(op.requestId));
  const orphans = unrecorded.filter((op) => explained(op, evidence)).length;
  const unexplained = unrecorded.filter((op) => !explained(op, evidence));
  return { recorded: recorded.size, orphans, doubled: doubledRecorded + unexplained.length, unexplained };
}

/** The most calls in any window of `windowMs` (sliding, by arrival time). */
export function busiestWindow(times: number[], windowMs: number) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/** The services the worker's one token bucket paces. */
const PACED_SERVICES = new Set(["sso-admin", "identitystore", "organizations"]);

/** Windows in which AWS saw more paced calls than the shared token bucket allows (burst + rate x window, one call of slack). */
export function rateViolations(evidence: Pick<ChaosEvidence, "calls" | "limits">) {
  const times = evidence.calls.filter((c) => PACED_SERVICES.has(c.service)).map((c) => c.atMs);
  const { requestsPerSecond, burst } = evidence.limits;
  const report = [1_000, 5_000, 10_000].map((windowMs) => {
    const most = busiestWindow(times, windowMs);
    const bound = burst + (requestsPerSecond * windowMs) / 1000 + 1;
    return { windowMs, most, bound };
  });
  return {
    report,
    violations: report.filter((r) => r.most > r.bound).length,
    rateLimited: evidence.calls.filter((c) => c.fault === "rate-limit").length,
  };
}

/** Creates outstanding at AWS at once, beyond the limit plus those a dead worker's freed slots let through. */
/** How removals were waited for: shared ListAccountAssignmentDeletionStatus sweeps, or a Describe per operation. */
export function deletionVerificationCalls(evidence: Pick<ChaosEvidence, "calls">) {
  const count = (operation: string) => evidence.calls.filter((c) => c.operation === operation).length;
  return {
    sweeps: count("ListAccountAssignmentDeletionStatus"),
    describes: count("DescribeAccountAssignmentDeletionStatus"),
    deletes: count("DeleteAccountAssignment"),
  };
}

export function inflightCreates(evidence: Pick<ChaosEvidence, "operations" | "workerEvents" | "limits">) {
  const creates = evidence.operations.filter((op) => op.kind === "create");
  const points = creates.flatMap((op) => [
    { atMs: op.createdAtMs, delta: 1 },
    { atMs: op.completesAtMs, delta: -1 },
  ]);
  points.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
  let current = 0;
  let most = 0;
  let excess = 0;
  const deaths = evidence.workerEvents.filter((e) => e.type === "sigkill" || e.type === "crash").map((e) => e.atMs);
  for (const point of points) {
    current += point.delta;
    most = Math.max(most, current);
    const recentDeaths = deaths.filter(
      (at) => at <= point.atMs && at >= point.atMs - evidence.limits.asyncDelayMs - 2_000,
    ).length;
    excess = Math.max(
      excess,
      current - evidence.limits.maxInflightCreates - recentDeaths * evidence.limits.maxInflightCreates,
    );
  }
  return { most, excess: Math.max(0, excess) };
}

/** Seconds from each grant's end to its verified removal (or the decision to keep it for another holder). */
export function removalLags(grants: GrantRow[]) {
  return grants
    .filter((g) => g.status === "REMOVED" && g.createVerifiedAt && g.deleteVerifiedAt)
    .map((g) => Math.max(0, g.deleteVerifiedAt!.getTime() - g.endsAt.getTime()) / 1000);
}

// ---- live AWS sessions cut at the end ----------------------------------------------------------------------------------

export interface RevocationRow {
  grantId: string | null;
  identityStoreUserId: string | null;
  permissionSetArn: string;
  accountId: string;
  cutoff: Date;
  status: string;
}

export interface SessionEvidence {
  grants: GrantRow[];
  revocations: RevocationRow[];
  /** Each permission set's current inline policy. */
  inlinePolicies: { permissionSetArn: string; inlinePolicy?: string }[];
  /** Each account's provisioned copy (what live sessions there are evaluated against). */
  provisioned: { permissionSetArn: string; accountId: string; inlinePolicy?: string }[];
  /** The statement the harness wrote into every permission set before the run, as text. */
  customerStatement: string;
}

/** Ended grants whose assignment was removed for them but whose user's older sessions are not denied where they run. */
export function unrevokedGrants(evidence: Pick<SessionEvidence, "grants" | "revocations" | "provisioned">) {
  const unrevoked: { grantId: string; why: string }[] = [];
  for (const grant of evidence.grants) {
    if (grant.status !== "REMOVED" || grant.keptForOtherGrant || !(grant.createVerifiedAt || grant.deleteRequestId))
      continue;
    // Two grants of one tuple ending in the same second share one deny row (same cutoff), recorded under the first.
    const rows = evidence.revocations.filter(
      (row) =>
        row.grantId === grant.id ||
        (row.permissionSetArn === grant.permissionSetArn &&
          row.accountId === grant.accountId &&
          row.identityStoreUserId !== null &&
          row.identityStoreUserId === grant.principalId &&
          row.cutoff >= revocationCutoff(grant.endsAt)),
    );
    const done = rows.filter((row) => row.status === "VERIFIED" || row.status === "CLEANED");
    if (done.length === 0) {
      unrevoked.push({
        grantId: grant.id,
        why: `no provisioned deny (${rows.map((r) => r.status).join(",") || "none"})`,
      });
      continue;
    }
    const latest = done.reduce((a, b) => (a.cutoff >= b.cutoff ? a : b));
    if (latest.status === "CLEANED") continue;
    // No copy means no role in the account any more: nothing is left to run a session against.
    const copy = evidence.provisioned.find(
      (p) => p.permissionSetArn === grant.permissionSetArn && p.accountId === grant.accountId,
    );
    if (!copy) continue;
    const read = readPortalStatements(copy.inlinePolicy);
    const written = read.ok
      ? read.statements.find(
          (s) =>
            s.identityStoreUserId === latest.identityStoreUserId &&
            s.accountId === grant.accountId &&
            s.cutoff >= latest.cutoff,
        )
      : undefined;
    if (!written)
      unrevoked.push({
        grantId: grant.id,
        why: `the account's copy lacks the deny (${read.ok ? "absent" : read.reason})`,
      });
  }
  return unrevoked;
}

/** Permission sets whose inline policy no longer holds the customer's statement byte for byte. */
export function lostCustomerStatements(evidence: Pick<SessionEvidence, "inlinePolicies" | "customerStatement">) {
  return evidence.inlinePolicies
    .filter((policy) => !(policy.inlinePolicy ?? "").includes(evidence.customerStatement))
    .map((policy) => policy.permissionSetArn);
}

/** Portal statements still in a permission set's inline policy (after a cleanup that should have removed them all). */
export function leftoverPortalStatements(evidence: Pick<SessionEvidence, "inlinePolicies">) {
  return evidence.inlinePolicies.flatMap((policy) => {
    const read = readPortalStatements(policy.inlinePolicy);
    return !read.ok
      ? [{ permissionSetArn: policy.permissionSetArn, why: read.reason }]
      : read.statements.length > 0
        ? [{ permissionSetArn: policy.permissionSetArn, why: `${read.statements.length} portal statement(s) left` }]
        : [];
  });
}

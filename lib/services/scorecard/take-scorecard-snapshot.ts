import type { AuditPort } from "../../aws/audit-port";
import { mapWithConcurrency, type IdentityCenterPort } from "../../aws/identity-center-port";
import { measureCredentialReport, type ActiveKeyMeasure } from "../../domain/credential-report";
import { AppError } from "../../domain/errors";
import { classifyAssignment, type AssignmentClass } from "../../domain/inventory-classification";
import { PolicyDocument } from "../../domain/policy-schema";
import { ASSIGNMENT_MAY_EXIST_STATUSES } from "../../domain/request-lifecycle";
import { isStandingAccess, permissionSetSensitivity, type Sensitivity } from "../../domain/scorecard";
import { whoMayRequest } from "../../domain/target-eligibility";
import type { ServiceContext } from "../context";

/** What the scorecard reads from AWS besides the inventory; every call is a read. */
export interface ScorecardSources {
  port: Pick<IdentityCenterPort, "listManagedPoliciesInPermissionSet" | "describeUser">;
  audit: Pick<AuditPort, "readCredentialReport">;
  /** AWS calls made so far, when the caller counts them (the worker's call observer); recorded on the snapshot. */
  calls?: () => number;
}

// Credential reports are per member account (IAM limits are per account), so accounts are read side by side.
const CREDENTIAL_CONCURRENCY = 16;

export interface StandingPrincipalDetail {
  principalType: "USER" | "GROUP";
  principalId: string;
  label: string;
  /** A portal user's email, for the just-in-time rule. */
  email: string | null;
  memberCount: number | null;
  permissionSetArn: string;
  permissionSetName: string;
  kind: AssignmentClass;
  privileged: boolean;
  because: string;
}

export interface ScorecardAccountDetails {
  principals: StandingPrincipalDetail[];
  keys: ActiveKeyMeasure[];
  usersWithoutMfa: string[];
}

/** System verb: measures standing access (from the inventory snapshot) and long-lived keys per account, and stores one snapshot. */
export async function takeScorecardSnapshot({
  ctx,
  sources,
  input = {},
}: {
  ctx: ServiceContext;
  sources: ScorecardSources;
  input?: { requestedBy?: string | null };
}) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker measures the scorecard.");
  const started = performance.now();
  const callsBefore = sources.calls?.() ?? null;
  const [accounts, sets, rows, anyListed, unlisted, tuples, grants, findings, policyRow] = await Promise.all([
    ctx.db.awsAccount.findMany({ where: { status: { not: "GONE" } }, orderBy: { name: "asc" } }),
    ctx.db.permissionSet.findMany({ select: { arn: true, name: true } }),
    ctx.db.inventoryAssignment.findMany(),
    // Asked of the database, not read row by row: an organization holds accounts x sets provisioning rows.
    ctx.db.inventoryProvisioning.findFirst({
      where: { assignmentsSyncedAt: { not: null } },
      select: { accountId: true },
    }),
    ctx.db.inventoryProvisioning.findMany({
      where: { assignmentsSyncedAt: null },
      distinct: ["accountId"],
      select: { accountId: true },
    }),
    ctx.db.assignmentTuple.findMany({
      where: { standing: true },
      select: { accountId: true, permissionSetArn: true, principalId: true },
    }),
    ctx.db.grant.findMany({
      where: { status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } },
      select: { accountId: true, permissionSetArn: true, user: { select: { identityStoreUserId: true } } },
    }),
    ctx.db.driftFinding.findMany({
      where: { status: "OPEN", kind: "OUT_OF_BAND_ASSIGNMENT" },
      select: { accountId: true, permissionSetArn: true, principalId: true },
    }),
    ctx.db.policy.findFirst({ where: { active: true }, orderBy: { loadedAt: "desc" }, select: { document: true } }),
  ]);
  const parsedPolicy = policyRow ? PolicyDocument.safeParse(policyRow.document) : null;
  const policy = parsedPolicy?.success ? parsedPolicy.data : null;

  const sensitivity = new Map<string, Sensitivity & { name: string }>();
  await mapWithConcurrency(sets, 4, async (set) => {
    const managedPolicies = await sources.port.listManagedPoliciesInPermissionSet(set.arn).catch(() => null);
    sensitivity.set(set.arn, {
      name: set.name,
      ...permissionSetSensitivity({
        name: set.name,
        policyPrivileged: policy?.privilegedPermissionSets ?? [],
        managedPolicies,
      }),
    });
  });

  const key = (accountId: string, arn: string, principalId = "") => `${accountId}|${arn}|${principalId}`;
  const standing = new Set(tuples.map((t) => key(t.accountId, t.permissionSetArn, t.principalId)));
  const granted = new Set(
    grants.flatMap((g) =>
      g.user.identityStoreUserId ? [key(g.accountId, g.permissionSetArn, g.user.identityStoreUserId)] : [],
    ),
  );
  const flagged = new Set(findings.map((f) => key(f.accountId, f.permissionSetArn, f.principalId)));
  const people = await ctx.db.user.findMany({
    where: { identityStoreUserId: { in: [...new Set(rows.map((r) => r.principalId))] } },
    select: { identityStoreUserId: true, email: true, name: true },
  });
  const personOf = new Map(people.map((p) => [p.identityStoreUserId, p]));
  const accountById = new Map(accounts.map((a) => [a.id, a]));
  const inScope = new Map<string, boolean>();
  const mentioned = (accountId: string, arn: string, setName: string) => {
    const cell = key(accountId, arn);
    let known = inScope.get(cell);
    if (known === undefined) {
      const account = accountById.get(accountId);
      const eligibility =
        policy && account
          ? whoMayRequest(policy, { account: { id: account.id, ouIds: account.ouIds }, permissionSetName: setName })
          : null;
      known = Boolean(eligibility && (eligibility.eligible.length > 0 || eligibility.denied.length > 0));
      inScope.set(cell, known);
    }
    return known;
  };

  const principalsOf = new Map<string, StandingPrincipalDetail[]>();
  for (const row of rows) {
    const set = sensitivity.get(row.permissionSetArn);
    if (!set || !accountById.has(row.accountId)) continue;
    const principalType = row.principalType === "GROUP" ? "GROUP" : "USER";
    const kind = classifyAssignment({
      principalType,
      standing: standing.has(key(row.accountId, row.permissionSetArn, row.principalId)),
      backedByGrant: granted.has(key(row.accountId, row.permissionSetArn, row.principalId)),
      openFinding: flagged.has(key(row.accountId, row.permissionSetArn, row.principalId)),
      inPolicyScope: mentioned(row.accountId, row.permissionSetArn, set.name),
    });
    if (!isStandingAccess(kind)) continue;
    const person = principalType === "USER" ? personOf.get(row.principalId) : undefined;
    const list = principalsOf.get(row.accountId) ?? [];
    list.push({
      principalType,
      principalId: row.principalId,
      label: person?.email ?? person?.name ?? row.principalName ?? row.principalId,
      email: person?.email ?? null,
      memberCount: principalType === "GROUP" ? row.memberCount : null,
      permissionSetArn: row.permissionSetArn,
      permissionSetName: set.name,
      kind,
      privileged: set.level === "privileged",
      because: set.because,
    });
    principalsOf.set(row.accountId, list);
  }
  // The just-in-time rule names a user by email: users the portal has not met cost one DescribeUser each.
  const strangers = [...principalsOf.values()]
    .flat()
    .filter((p) => p.privileged && p.principalType === "USER" && !p.email);
  const emails = new Map(
    await mapWithConcurrency([...new Set(strangers.map((p) => p.principalId))], 4, async (id) => {
      const user = await sources.port.describeUser(id).catch(() => null);
      return [id, user?.email ?? null] as const;
    }),
  );
  for (const p of strangers) p.email = emails.get(p.principalId) ?? null;
  // An account with no provisioned set holds no assignment; before the first listing nothing is known.
  const inventoryListed = anyListed !== null;
  const unlistedAccounts = new Set(unlisted.map((p) => p.accountId));
  const unknownSets = new Map<string, string>();
  for (const [arn, set] of sensitivity) if (set.level === "unknown") unknownSets.set(arn, set.name);

  // The audit port turns every per-account failure into "not measured" with a reason; anything else is one account's loss too.
  const credentials = await mapWithConcurrency(accounts, CREDENTIAL_CONCURRENCY, async (account) => {
    const reading = await sources.audit.readCredentialReport(account.id).catch(() => null);
    if (!reading)
      return { measures: null, reason: "The credential report could not be read; the next snapshot tries again." };
    if (reading.kind === "not-measured") return { measures: null, reason: reading.reason };
    return { measures: measureCredentialReport(reading.rows, { now: ctx.now() }), reason: null };
  });

  const data = accounts.map((account, index) => {
    const principals = principalsOf.get(account.id) ?? [];
    const unknown = [
      ...new Set(principals.filter((p) => unknownSets.has(p.permissionSetArn)).map((p) => p.permissionSetName)),
    ];
    const standingNotMeasured = !inventoryListed
      ? "Identity Center assignments have not been listed yet."
      : unlistedAccounts.has(account.id)
        ? "Some of its assignments have not been listed yet."
        : unknown.length > 0
          ? `The policies attached to ${unknown.join(", ")} could not be read.`
          : null;
    const privileged = principals.filter((p) => p.privileged);
    const { measures, reason } = credentials[index]!;
    const details: ScorecardAccountDetails = {
      principals,
      keys: measures?.keys ?? [],
      usersWithoutMfa: measures?.usersWithoutMfaNames ?? [],
    };
    const measured = standingNotMeasured === null;
    return {
      accountId: account.id,
      accountName: account.name,
      standingPrivilegedUsers: measured ? privileged.filter((p) => p.principalType === "USER").length : null,
      standingPrivilegedGroups: measured ? privileged.filter((p) => p.principalType === "GROUP").length : null,
      standingGroupMembers: measured
        ? privileged.reduce((sum, p) => sum + (p.principalType === "GROUP" ? (p.memberCount ?? 0) : 0), 0)
        : null,
      standingNotMeasured,
      activeKeys: measures?.activeAccessKeys ?? null,
      oldKeys: measures?.oldKeys ?? null,
      unusedKeys: measures?.unusedKeys ?? null,
      rootKeys: measures?.rootAccessKeys ?? null,
      usersWithoutMfa: measures?.usersWithoutMfa ?? null,
      credentialsNotMeasured: reason,
      details: details as object,
    };
  });

  const snapshot = await ctx.db.scorecardSnapshot.create({
    data: {
      takenAt: ctx.now(),
      trigger: input.requestedBy ? "admin" : "scheduled",
      requestedBy: input.requestedBy ?? null,
      awsCalls: callsBefore === null ? null : sources.calls!() - callsBefore,
      durationMs: Math.round(performance.now() - started),
      accounts: { createMany: { data } },
    },
    select: { id: true, takenAt: true, awsCalls: true, durationMs: true },
  });
  return {
    ...snapshot,
    accounts: data.length,
    notMeasured: data.filter((a) => a.credentialsNotMeasured || a.standingNotMeasured).length,
  };
}

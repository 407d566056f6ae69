import { z } from "zod";
import { buildOuTree, flattenOuTree, type OuNode } from "../../domain/ou-tree";
import { PolicyDocument } from "../../domain/policy-schema";
import { ASSIGNMENT_MAY_EXIST_STATUSES } from "../../domain/request-lifecycle";
import { safeText } from "../../domain/safe-text";
import { whoMayRequest, type TargetEligibility } from "../../domain/target-eligibility";
import type { GrantStatus } from "../../generated/prisma/enums";
import { BASELINE_ACTION } from "../reconcile/reconcile-assignments";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";

// Each filter is read on its own: a mistyped one is reported and dropped, the others still apply (the form is a GET).
const FILTER_SCHEMAS = {
  q: safeText().trim().min(1).max(200),
  account: z
    .string()
    .trim()
    .regex(/^\d{12}$/),
  ou: z
    .string()
    .trim()
    .regex(/^(r|ou)-[0-9a-z-]{1,64}$/),
  permissionSet: z
    .string()
    .trim()
    .max(1224)
    .regex(/^arn:aws[a-z-]*:sso:::permissionSet\/[\w./-]+$/),
  principal: safeText().trim().min(1).max(200),
} as const;

export type InventoryFilterKey = keyof typeof FILTER_SCHEMAS;
export const INVENTORY_FILTER_KEYS = Object.keys(FILTER_SCHEMAS) as InventoryFilterKey[];
export type InventoryFilters = Partial<Record<InventoryFilterKey, string>>;

export interface InventoryAccount {
  id: string;
  name: string;
  ouPath: string;
  ouIds: string[];
  gone: boolean;
}

export type PrincipalKind = "USER" | "GROUP" | "UNKNOWN";

export interface JitHolder {
  grantId: string;
  requestId: string;
  user: string;
  status: GrantStatus;
  endsAt: Date;
}

export interface StandingHolder {
  principalId: string;
  principalType: PrincipalKind;
  label: string;
  /** baseline, accepted or preexisting, as the reconciler and the grant worker record it. */
  source: string;
}

export interface FindingHolder {
  findingId: string;
  principalId: string;
  principalType: PrincipalKind;
  label: string;
  firstSeenAt: Date;
}

export interface InventoryCell {
  account: InventoryAccount;
  permissionSet: { arn: string; name: string; sessionDurationMinutes: number };
  jit: JitHolder[];
  standing: StandingHolder[];
  outOfBand: FindingHolder[];
  /** Null when no valid policy is loaded. */
  eligibility: TargetEligibility | null;
}

export interface InventoryPermissionSet {
  arn: string;
  name: string;
  description: string | null;
  sessionDurationMinutes: number;
  /** Accounts where someone holds this set now (JIT, standing or out of band): where it is provisioned as a role. */
  accountsInUse: number;
  syncedAt: Date;
}

export interface InventoryOverview {
  canRefresh: boolean;
  syncedAt: Date | null;
  filters: InventoryFilters;
  /** Filters that were dropped because their value was not understood. */
  ignored: InventoryFilterKey[];
  tree: OuNode<InventoryAccount>[];
  ous: { id: string; path: string; depth: number }[];
  accounts: InventoryAccount[];
  permissionSets: InventoryPermissionSet[];
  cells: InventoryCell[];
  /** More cells matched than are shown; narrow the filters. */
  truncated: boolean;
  policyLoaded: boolean;
}

export const INVENTORY_CELL_LIMIT = 300;

export function readInventoryFilters(params: Record<string, string | string[] | undefined>): {
  filters: InventoryFilters;
  ignored: InventoryFilterKey[];
} {
  const filters: InventoryFilters = {};
  const ignored: InventoryFilterKey[] = [];
  for (const key of INVENTORY_FILTER_KEYS) {
    const raw = params[key];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value.trim() === "") continue;
    const parsed = FILTER_SCHEMAS[key].safeParse(value);
    if (parsed.success) filters[key] = parsed.data;
    else ignored.push(key);
  }
  return { filters, ignored };
}

const cellKey = (accountId: string, permissionSetArn: string) => `${accountId}|${permissionSetArn}`;

/** Principal types the reconciler recorded: its baseline events and findings name them; a portal user is a USER. */
function principalTypes(
  baselines: { after: unknown }[],
  findings: { principalType: string; principalId: string }[],
): Map<string, PrincipalKind> {
  const types = new Map<string, PrincipalKind>();
  for (const event of baselines) {
    const standing = (event.after as { standing?: unknown } | null)?.standing;
    if (!Array.isArray(standing)) continue;
    for (const tuple of standing as { principalType?: unknown; principalId?: unknown }[])
      if (typeof tuple.principalId === "string" && (tuple.principalType === "USER" || tuple.principalType === "GROUP"))
        types.set(tuple.principalId, tuple.principalType);
  }
  for (const finding of findings)
    if (finding.principalType === "USER" || finding.principalType === "GROUP")
      types.set(finding.principalId, finding.principalType);
  return types;
}

/** The admin inventory: the OU tree, permission sets, and per account x permission set who holds access now and who may request it. */
export async function inventoryOverview({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { filters: InventoryFilters; ignored?: InventoryFilterKey[] };
}): Promise<InventoryOverview> {
  const actor = requireUser(ctx.actor, "inventory.read");
  const { filters } = input;
  const [accountRows, setRows, grants, tuples, findings, baselines, policyRow] = await Promise.all([
    ctx.db.awsAccount.findMany({ orderBy: { name: "asc" } }),
    ctx.db.permissionSet.findMany({ orderBy: { name: "asc" } }),
    ctx.db.grant.findMany({
      where: { status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } },
      select: {
        id: true,
        requestId: true,
        accountId: true,
        permissionSetArn: true,
        status: true,
        endsAt: true,
        user: { select: { email: true, name: true } },
      },
      orderBy: { endsAt: "asc" },
    }),
    ctx.db.assignmentTuple.findMany({ where: { standing: true } }),
    ctx.db.driftFinding.findMany({
      select: {
        id: true,
        kind: true,
        status: true,
        accountId: true,
        permissionSetArn: true,
        principalType: true,
        principalId: true,
        firstSeenAt: true,
      },
    }),
    ctx.db.auditEvent.findMany({ where: { action: BASELINE_ACTION }, select: { after: true } }),
    ctx.db.policy.findFirst({ where: { active: true }, orderBy: { loadedAt: "desc" }, select: { document: true } }),
  ]);
  const policy = policyRow ? PolicyDocument.safeParse(policyRow.document) : null;
  const principalIds = [...new Set([...tuples, ...findings].map((t) => t.principalId))];
  const people = principalIds.length
    ? await ctx.db.user.findMany({
        where: { identityStoreUserId: { in: principalIds } },
        select: { identityStoreUserId: true, email: true, name: true },
      })
    : [];
  const personOf = new Map(people.map((p) => [p.identityStoreUserId, p.email ?? p.name ?? p.identityStoreUserId]));
  const types = principalTypes(baselines, findings);
  const kindOf = (principalId: string): PrincipalKind =>
    personOf.has(principalId) ? "USER" : (types.get(principalId) ?? "UNKNOWN");
  const labelOf = (principalId: string) => {
    const person = personOf.get(principalId);
    if (person) return person;
    const kind = kindOf(principalId);
    return kind === "GROUP" ? `group ${principalId}` : kind === "USER" ? `user ${principalId}` : principalId;
  };

  const accounts: InventoryAccount[] = accountRows.map((a) => ({
    id: a.id,
    name: a.name,
    ouPath: a.ouPath,
    ouIds: a.ouIds,
    gone: a.status === "GONE",
  }));
  const cells = new Map<string, Omit<InventoryCell, "account" | "permissionSet" | "eligibility">>();
  const cellFor = (accountId: string, arn: string) => {
    const key = cellKey(accountId, arn);
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { jit: [], standing: [], outOfBand: [] }));
    return cell;
  };
  for (const grant of grants)
    cellFor(grant.accountId, grant.permissionSetArn).jit.push({
      grantId: grant.id,
      requestId: grant.requestId,
      user: grant.user.email ?? grant.user.name ?? "unknown user",
      status: grant.status,
      endsAt: grant.endsAt,
    });
  for (const tuple of tuples)
    cellFor(tuple.accountId, tuple.permissionSetArn).standing.push({
      principalId: tuple.principalId,
      principalType: kindOf(tuple.principalId),
      label: labelOf(tuple.principalId),
      source: tuple.standingSource ?? "standing",
    });
  for (const finding of findings)
    if (finding.status === "OPEN" && finding.kind === "OUT_OF_BAND_ASSIGNMENT")
      cellFor(finding.accountId, finding.permissionSetArn).outOfBand.push({
        findingId: finding.id,
        principalId: finding.principalId,
        principalType: kindOf(finding.principalId),
        label: labelOf(finding.principalId),
        firstSeenAt: finding.firstSeenAt,
      });

  const inUse = new Map<string, Set<string>>();
  for (const key of cells.keys()) {
    const [accountId, arn] = key.split("|") as [string, string];
    inUse.set(arn, (inUse.get(arn) ?? new Set()).add(accountId));
  }

  const needle = filters.q?.toLowerCase();
  const who = filters.principal?.toLowerCase();
  const matching: InventoryCell[] = [];
  let truncated = false;
  for (const account of accounts) {
    if (account.gone) continue;
    if (filters.account && account.id !== filters.account) continue;
    if (filters.ou && !account.ouIds.includes(filters.ou)) continue;
    for (const set of setRows) {
      if (filters.permissionSet && set.arn !== filters.permissionSet) continue;
      if (needle && ![account.name, account.id, set.name].some((text) => text.toLowerCase().includes(needle))) continue;
      const held = cells.get(cellKey(account.id, set.arn)) ?? { jit: [], standing: [], outOfBand: [] };
      const eligibility = policy?.success
        ? whoMayRequest(policy.data, {
            account: { id: account.id, ouIds: account.ouIds },
            permissionSetName: set.name,
          })
        : null;
      const mentioned = Boolean(eligibility && (eligibility.eligible.length > 0 || eligibility.denied.length > 0));
      if (held.jit.length + held.standing.length + held.outOfBand.length === 0 && !mentioned) continue;
      if (who) {
        const names = [
          ...held.jit.map((h) => h.user),
          ...held.standing.flatMap((h) => [h.label, h.principalId]),
          ...held.outOfBand.flatMap((h) => [h.label, h.principalId]),
          ...(eligibility?.eligible.flatMap((rule) => [...rule.groups, ...rule.users]) ?? []),
        ];
        if (!names.some((name) => name.toLowerCase().includes(who))) continue;
      }
      if (matching.length >= INVENTORY_CELL_LIMIT) {
        truncated = true;
        break;
      }
      matching.push({
        account,
        permissionSet: { arn: set.arn, name: set.name, sessionDurationMinutes: set.sessionDurationMinutes },
        ...held,
        eligibility,
      });
    }
    if (truncated) break;
  }

  const tree = buildOuTree(accounts.filter((a) => !a.gone));
  return {
    canRefresh: hasPermission(actor, "inventory.refresh"),
    syncedAt: accountRows.reduce<Date | null>(
      (latest, a) => (!latest || a.syncedAt > latest ? a.syncedAt : latest),
      null,
    ),
    filters,
    ignored: input.ignored ?? [],
    tree,
    ous: flattenOuTree(tree),
    accounts,
    permissionSets: setRows.map((s) => ({
      arn: s.arn,
      name: s.name,
      description: s.description,
      sessionDurationMinutes: s.sessionDurationMinutes,
      accountsInUse: inUse.get(s.arn)?.size ?? 0,
      syncedAt: s.syncedAt,
    })),
    cells: matching,
    truncated,
    policyLoaded: Boolean(policy?.success),
  };
}

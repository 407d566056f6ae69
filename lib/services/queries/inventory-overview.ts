import { INVENTORY_SYNC_RUN_ID } from "../inventory/run-inventory-sync";
import { z } from "zod";
import { classifyAssignment } from "../../domain/inventory-classification";
import { buildOuTree, flattenOuTree, type OuNode } from "../../domain/ou-tree";
import { ASSIGNMENT_MAY_EXIST_STATUSES } from "../../domain/request-lifecycle";
import { safeText } from "../../domain/safe-text";
import { policyForAccount, whoMayRequest, type TargetEligibility } from "../../domain/target-eligibility";
import type { GrantStatus } from "../../generated/prisma/enums";
import { BASELINE_ACTION } from "../reconcile/reconcile-assignments";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { findActivePolicy } from "../policy/active-policy";

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
  /** Group members at the last inventory sync. */
  memberCount: number | null;
  /** baseline, accepted or preexisting, as the reconciler and the grant worker record it. */
  source: string;
}

export interface FindingHolder {
  findingId: string;
  principalId: string;
  principalType: PrincipalKind;
  label: string;
  memberCount: number | null;
  firstSeenAt: Date;
}

/** An assignment in Identity Center that no grant, standing record or finding explains. */
export interface UnexplainedHolder {
  principalId: string;
  principalType: PrincipalKind;
  label: string;
  memberCount: number | null;
  /** outside-scope: the policy never names the target; unrecorded: the reconciler watches it but has not judged it yet. */
  kind: "outside-scope" | "unrecorded";
}

export interface CellProvisioning {
  /** False while the set's latest edit has not been provisioned to this account (LATEST_PERMISSION_SET_NOT_PROVISIONED). */
  current: boolean;
  syncedAt: Date;
  /** When this pair's assignments were last listed; null if never. */
  assignmentsSyncedAt: Date | null;
  /** The latest sync could not list this pair: what is shown is as of assignmentsSyncedAt. */
  stale: boolean;
}

export interface InventoryCell {
  account: InventoryAccount;
  permissionSet: { arn: string; name: string; sessionDurationMinutes: number };
  jit: JitHolder[];
  standing: StandingHolder[];
  outOfBand: FindingHolder[];
  unexplained: UnexplainedHolder[];
  /** Null when the set is not provisioned to the account (or no assignment sync has run). */
  provisioning: CellProvisioning | null;
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
  /** Accounts with the set's role, and how many of them lack its latest edit. */
  provisionedAccounts: number;
  outdatedAccounts: number;
  syncedAt: Date;
}

export interface InventoryOverview {
  canRefresh: boolean;
  /** The last inventory sync job that completed: when, and how long it took. */
  lastSync: { finishedAt: Date; durationMs: number } | null;
  syncedAt: Date | null;
  /** The last assignment snapshot; null before the first one. */
  assignmentsSyncedAt: Date | null;
  filters: InventoryFilters;
  /** Filters that were dropped because their value was not understood. */
  ignored: InventoryFilterKey[];
  tree: OuNode<InventoryAccount>[];
  /** False at organization scale: the tree then names OUs and counts their accounts (the filters find an account). */
  treeListsAccounts: boolean;
  ous: { id: string; path: string; depth: number }[];
  accounts: InventoryAccount[];
  permissionSets: InventoryPermissionSet[];
  cells: InventoryCell[];
  /** The page of cells shown (1-based) and whether more cells match after it. */
  page: number;
  pageSize: number;
  truncated: boolean;
  policyLoaded: boolean;
}

// A page of cells, not all of them: at 1,000 accounts x 100 sets, 300 cells made a page of several megabytes.
export const INVENTORY_CELL_LIMIT = 50;
// Listing every account in the tree made the page grow with the organization (about 1 KB of page per account).
export const TREE_ACCOUNT_LIMIT = 50;
const MAX_PAGE = 10_000;

/** The page number from the query string; anything but a whole number in range is the first page. */
export function readInventoryPage(raw: string | string[] | undefined): number {
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isInteger(value) && value >= 1 && value <= MAX_PAGE ? value : 1;
}

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
  input: { filters: InventoryFilters; ignored?: InventoryFilterKey[]; page?: number; pageSize?: number };
}): Promise<InventoryOverview> {
  const actor = requireUser(ctx.actor, "inventory.read");
  const { filters } = input;
  const [accountRows, setRows, grants, tuples, findings, baselines, policyRow, snapshot, provisioningRows] =
    await Promise.all([
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
          user: { select: { email: true, name: true, identityStoreUserId: true } },
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
      findActivePolicy(ctx.db),
      ctx.db.inventoryAssignment.findMany({ orderBy: [{ principalType: "desc" }, { principalId: "asc" }] }),
      ctx.db.inventoryProvisioning.findMany(),
    ]);
  const policy = policyRow?.document ?? null;
  const principalIds = [...new Set([...tuples, ...findings, ...snapshot].map((t) => t.principalId))];
  const people = principalIds.length
    ? await ctx.db.user.findMany({
        where: { identityStoreUserId: { in: principalIds } },
        select: { identityStoreUserId: true, email: true, name: true },
      })
    : [];
  const personOf = new Map(people.map((p) => [p.identityStoreUserId, p.email ?? p.name ?? p.identityStoreUserId]));
  const types = principalTypes(baselines, findings);
  const namedInAws = new Map<string, { name: string | null; memberCount: number | null }>();
  for (const row of snapshot) {
    if (row.principalType === "USER" || row.principalType === "GROUP") types.set(row.principalId, row.principalType);
    namedInAws.set(row.principalId, { name: row.principalName, memberCount: row.memberCount });
  }
  const memberCountOf = (principalId: string) => namedInAws.get(principalId)?.memberCount ?? null;
  const kindOf = (principalId: string): PrincipalKind =>
    personOf.has(principalId) ? "USER" : (types.get(principalId) ?? "UNKNOWN");
  const labelOf = (principalId: string) => {
    const person = personOf.get(principalId);
    if (person) return person;
    const kind = kindOf(principalId);
    const name = namedInAws.get(principalId)?.name;
    if (name) return kind === "GROUP" ? `group ${name}` : name;
    return kind === "GROUP" ? `group ${principalId}` : kind === "USER" ? `user ${principalId}` : principalId;
  };

  const accounts: InventoryAccount[] = accountRows.map((a) => ({
    id: a.id,
    name: a.name,
    ouPath: a.ouPath,
    ouIds: a.ouIds,
    gone: a.status === "GONE",
  }));
  type HeldCell = Pick<InventoryCell, "jit" | "standing" | "outOfBand"> & {
    grantUsers: Set<string>;
    inAws: typeof snapshot;
  };
  const emptyCell = (): HeldCell => ({ jit: [], standing: [], outOfBand: [], grantUsers: new Set(), inAws: [] });
  const cells = new Map<string, HeldCell>();
  const cellFor = (accountId: string, arn: string) => {
    const key = cellKey(accountId, arn);
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = emptyCell()));
    return cell;
  };
  for (const grant of grants) {
    const cell = cellFor(grant.accountId, grant.permissionSetArn);
    if (grant.user.identityStoreUserId) cell.grantUsers.add(grant.user.identityStoreUserId);
    cell.jit.push({
      grantId: grant.id,
      requestId: grant.requestId,
      user: grant.user.email ?? grant.user.name ?? "unknown user",
      status: grant.status,
      endsAt: grant.endsAt,
    });
  }
  for (const tuple of tuples)
    cellFor(tuple.accountId, tuple.permissionSetArn).standing.push({
      principalId: tuple.principalId,
      principalType: kindOf(tuple.principalId),
      label: labelOf(tuple.principalId),
      memberCount: memberCountOf(tuple.principalId),
      source: tuple.standingSource ?? "standing",
    });
  for (const finding of findings)
    if (finding.status === "OPEN" && finding.kind === "OUT_OF_BAND_ASSIGNMENT")
      cellFor(finding.accountId, finding.permissionSetArn).outOfBand.push({
        findingId: finding.id,
        principalId: finding.principalId,
        principalType: kindOf(finding.principalId),
        label: labelOf(finding.principalId),
        memberCount: memberCountOf(finding.principalId),
        firstSeenAt: finding.firstSeenAt,
      });

  for (const row of snapshot) cellFor(row.accountId, row.permissionSetArn).inAws.push(row);
  const assignmentsSyncedAt = provisioningRows.reduce<Date | null>(
    (latest, p) => (!latest || p.syncedAt > latest ? p.syncedAt : latest),
    null,
  );
  const provisioningOf = new Map<string, CellProvisioning>(
    provisioningRows.map((p) => [
      cellKey(p.accountId, p.permissionSetArn),
      {
        current: p.current,
        syncedAt: p.syncedAt,
        assignmentsSyncedAt: p.assignmentsSyncedAt,
        stale: !p.assignmentsSyncedAt || (assignmentsSyncedAt !== null && p.assignmentsSyncedAt < assignmentsSyncedAt),
      },
    ]),
  );
  const provisionedTo = new Map<string, { accounts: number; outdated: number }>();
  for (const p of provisioningRows) {
    const counts = provisionedTo.get(p.permissionSetArn) ?? { accounts: 0, outdated: 0 };
    counts.accounts += 1;
    if (!p.current) counts.outdated += 1;
    provisionedTo.set(p.permissionSetArn, counts);
  }

  const inUse = new Map<string, Set<string>>();
  const heldAccounts = new Set<string>();
  for (const key of cells.keys()) {
    const [accountId, arn] = key.split("|") as [string, string];
    inUse.set(arn, (inUse.get(arn) ?? new Set()).add(accountId));
    heldAccounts.add(accountId);
  }
  const noEligibility: TargetEligibility = { eligible: [], denied: [] };

  const needle = filters.q?.toLowerCase();
  const who = filters.principal?.toLowerCase();
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? INVENTORY_CELL_LIMIT;
  let skip = (page - 1) * pageSize;
  const matching: InventoryCell[] = [];
  let truncated = false;
  for (const account of accounts) {
    if (account.gone) continue;
    if (filters.account && account.id !== filters.account) continue;
    if (filters.ou && !account.ouIds.includes(filters.ou)) continue;
    // At 1,000 accounts x 100 sets, asking the whole policy per cell dominated the page: ask per account first.
    const accountPolicy = policy ? policyForAccount(policy, account) : null;
    const named = accountPolicy !== null && (accountPolicy.rules.length > 0 || accountPolicy.deny.length > 0);
    if (!named && !heldAccounts.has(account.id)) continue;
    for (const set of setRows) {
      if (filters.permissionSet && set.arn !== filters.permissionSet) continue;
      if (needle && ![account.name, account.id, set.name].some((text) => text.toLowerCase().includes(needle))) continue;
      const { grantUsers, inAws, ...held } = cells.get(cellKey(account.id, set.arn)) ?? emptyCell();
      const eligibility = !accountPolicy
        ? null
        : named
          ? whoMayRequest(accountPolicy, {
              account: { id: account.id, ouIds: account.ouIds },
              permissionSetName: set.name,
            })
          : noEligibility;
      const mentioned = Boolean(eligibility && (eligibility.eligible.length > 0 || eligibility.denied.length > 0));
      const standingIds = new Set(held.standing.map((h) => h.principalId));
      const findingIds = new Set(held.outOfBand.map((h) => h.principalId));
      const unexplained: UnexplainedHolder[] = [];
      for (const row of inAws) {
        const kind = classifyAssignment({
          principalType: row.principalType === "GROUP" ? "GROUP" : "USER",
          standing: standingIds.has(row.principalId),
          backedByGrant: grantUsers.has(row.principalId),
          openFinding: findingIds.has(row.principalId),
          inPolicyScope: mentioned,
        });
        if (kind === "outside-scope" || kind === "unrecorded")
          unexplained.push({
            principalId: row.principalId,
            principalType: kindOf(row.principalId),
            label: labelOf(row.principalId),
            memberCount: row.memberCount,
            kind,
          });
      }
      const holders = held.jit.length + held.standing.length + held.outOfBand.length + unexplained.length;
      if (holders === 0 && !mentioned) continue;
      if (who) {
        const names = [
          ...held.jit.map((h) => h.user),
          ...held.standing.flatMap((h) => [h.label, h.principalId]),
          ...held.outOfBand.flatMap((h) => [h.label, h.principalId]),
          ...unexplained.flatMap((h) => [h.label, h.principalId]),
          ...(eligibility?.eligible.flatMap((rule) => [...rule.groups, ...rule.users]) ?? []),
        ];
        if (!names.some((name) => name.toLowerCase().includes(who))) continue;
      }
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      if (matching.length >= pageSize) {
        truncated = true;
        break;
      }
      matching.push({
        account,
        permissionSet: { arn: set.arn, name: set.name, sessionDurationMinutes: set.sessionDurationMinutes },
        ...held,
        unexplained,
        provisioning: provisioningOf.get(cellKey(account.id, set.arn)) ?? null,
        eligibility,
      });
    }
    if (truncated) break;
  }

  const tree = buildOuTree(accounts.filter((a) => !a.gone));
  return {
    canRefresh: hasPermission(actor, "inventory.refresh"),
    lastSync: await ctx.db.inventorySyncRun.findUnique({
      where: { id: INVENTORY_SYNC_RUN_ID },
      select: { finishedAt: true, durationMs: true },
    }),
    syncedAt: accountRows.reduce<Date | null>(
      (latest, a) => (!latest || a.syncedAt > latest ? a.syncedAt : latest),
      null,
    ),
    assignmentsSyncedAt,
    filters,
    ignored: input.ignored ?? [],
    tree,
    treeListsAccounts: accounts.filter((a) => !a.gone).length <= TREE_ACCOUNT_LIMIT,
    ous: flattenOuTree(tree),
    accounts,
    permissionSets: setRows.map((s) => ({
      arn: s.arn,
      name: s.name,
      description: s.description,
      sessionDurationMinutes: s.sessionDurationMinutes,
      accountsInUse: inUse.get(s.arn)?.size ?? 0,
      provisionedAccounts: provisionedTo.get(s.arn)?.accounts ?? 0,
      outdatedAccounts: provisionedTo.get(s.arn)?.outdated ?? 0,
      syncedAt: s.syncedAt,
    })),
    cells: matching,
    page,
    pageSize,
    truncated,
    policyLoaded: policy !== null,
  };
}

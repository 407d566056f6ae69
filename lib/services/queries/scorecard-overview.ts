import { z } from "zod";
import { csvLine } from "../../audit/export-format";
import { AppError } from "../../domain/errors";
import { PolicyDocument } from "../../domain/policy-schema";
import {
  jitRuleSnippet,
  MEASURE_LABELS,
  SCORECARD_MEASURES,
  sortByMeasure,
  totalMeasures,
  type AccountMeasures,
  type MeasureTotal,
  type ScorecardMeasure,
} from "../../domain/scorecard";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import type { ScorecardAccountDetails, StandingPrincipalDetail } from "../scorecard/take-scorecard-snapshot";

export const TREND_SNAPSHOTS = 90;

const ScorecardParams = z.object({
  sort: z.enum(SCORECARD_MEASURES).catch("standingPrivilegedUsers"),
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional()
    .catch(undefined),
});

export interface ScorecardAccountRow {
  id: string;
  name: string;
  measures: AccountMeasures;
  standingGroupMembers: number | null;
  standingNotMeasured: string | null;
  credentialsNotMeasured: string | null;
}

export interface ScorecardPrincipal extends StandingPrincipalDetail {
  /** The policy rule that lets this principal request the same access; null when it cannot be written (no email known). */
  jitRule: string | null;
}

export interface ScorecardOverview {
  canManage: boolean;
  takenAt: Date | null;
  totals: Record<ScorecardMeasure, MeasureTotal> | null;
  trend: { takenAt: Date; totals: Record<ScorecardMeasure, MeasureTotal> }[];
  sort: ScorecardMeasure;
  accounts: ScorecardAccountRow[];
  drillDown: (ScorecardAccountRow & { principals: ScorecardPrincipal[]; details: ScorecardAccountDetails }) | null;
}

type AccountRecord = {
  accountId: string;
  accountName: string;
  standingGroupMembers: number | null;
  standingNotMeasured: string | null;
  credentialsNotMeasured: string | null;
} & AccountMeasures;

const measuresOf = (row: AccountMeasures): AccountMeasures =>
  Object.fromEntries(SCORECARD_MEASURES.map((m) => [m, row[m]])) as AccountMeasures;

const toRow = (row: AccountRecord): ScorecardAccountRow => ({
  id: row.accountId,
  name: row.accountName,
  measures: measuresOf(row),
  standingGroupMembers: row.standingGroupMembers,
  standingNotMeasured: row.standingNotMeasured,
  credentialsNotMeasured: row.credentialsNotMeasured,
});

export function readScorecardParams(params: Record<string, string | string[] | undefined>) {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return ScorecardParams.parse({ sort: first(params.sort), account: first(params.account) });
}

/** Approver groups of the rules that already cover the set, else of any rule: the suggested rule routes like its neighbours. */
function approverGroupsFor(policy: PolicyDocument | null, permissionSetName: string): string[] {
  if (!policy) return ["security-approvers"];
  const groupsOf = (rules: PolicyDocument["rules"]) => [
    ...new Set(rules.flatMap((rule) => rule.approval.approvers?.groups ?? [])),
  ];
  const covering = groupsOf(
    policy.rules.filter((r) => r.permissionSets.includes(permissionSetName) || r.permissionSets.includes("*")),
  );
  if (covering.length > 0) return covering.slice(0, 3);
  const any = groupsOf(policy.rules);
  return any.length > 0 ? any.slice(0, 1) : ["security-approvers"];
}

/** The scorecard page: the latest snapshot's totals and accounts, the trend, and one account's principals and keys. */
export async function scorecardOverview({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { sort: ScorecardMeasure; account?: string };
}): Promise<ScorecardOverview> {
  const actor = requireUser(ctx.actor, "scorecard.read");
  const canManage = hasPermission(actor, "scorecard.manage");
  const snapshots = await ctx.db.scorecardSnapshot.findMany({
    orderBy: { takenAt: "desc" },
    take: TREND_SNAPSHOTS,
    select: { id: true, takenAt: true },
  });
  const latest = snapshots[0];
  if (!latest)
    return { canManage, takenAt: null, totals: null, trend: [], sort: input.sort, accounts: [], drillDown: null };
  const rows = await ctx.db.scorecardAccount.findMany({
    where: { snapshotId: { in: snapshots.map((s) => s.id) } },
    select: {
      snapshotId: true,
      accountId: true,
      accountName: true,
      standingGroupMembers: true,
      standingNotMeasured: true,
      credentialsNotMeasured: true,
      ...Object.fromEntries(SCORECARD_MEASURES.map((m) => [m, true])),
    } as const,
  });
  const bySnapshot = new Map<string, AccountRecord[]>();
  for (const row of rows as unknown as (AccountRecord & { snapshotId: string })[])
    bySnapshot.set(row.snapshotId, [...(bySnapshot.get(row.snapshotId) ?? []), row]);
  const current = (bySnapshot.get(latest.id) ?? []).map(toRow);
  const trend = [...snapshots]
    .reverse()
    .map((s) => ({ takenAt: s.takenAt, totals: totalMeasures((bySnapshot.get(s.id) ?? []).map(measuresOf)) }));

  let drillDown: ScorecardOverview["drillDown"] = null;
  if (input.account) {
    const row = current.find((a) => a.id === input.account);
    if (!row) throw new AppError("NOT_FOUND", "That account is not in the latest scorecard.");
    const stored = await ctx.db.scorecardAccount.findUnique({
      where: { snapshotId_accountId: { snapshotId: latest.id, accountId: row.id } },
      select: { details: true },
    });
    const details = stored?.details as unknown as ScorecardAccountDetails;
    const policyRow = await ctx.db.policy.findFirst({
      where: { active: true },
      orderBy: { loadedAt: "desc" },
      select: { document: true },
    });
    const parsed = policyRow ? PolicyDocument.safeParse(policyRow.document) : null;
    const policy = parsed?.success ? parsed.data : null;
    const principals = details.principals.map((p) => ({
      ...p,
      jitRule:
        p.principalType === "USER" && !p.email
          ? null
          : jitRuleSnippet({
              principal:
                p.principalType === "USER" ? { type: "USER", email: p.email! } : { type: "GROUP", name: p.label },
              accountId: row.id,
              permissionSetName: p.permissionSetName,
              approverGroups: approverGroupsFor(policy, p.permissionSetName),
            }),
    }));
    drillDown = { ...row, principals, details };
  }
  return {
    canManage,
    takenAt: latest.takenAt,
    totals: totalMeasures(current.map((a) => a.measures)),
    trend,
    sort: input.sort,
    accounts: sortByMeasure(current, input.sort),
    drillDown,
  };
}

export const SCORECARD_CSV_COLUMNS = [
  "account_id",
  "account_name",
  ...SCORECARD_MEASURES.map((m) => m.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
  "standing_group_members",
  "standing_not_measured",
  "credentials_not_measured",
] as const;

/** CSV of the latest snapshot, one line per account; an unmeasured value is an empty cell with the reason beside it. */
export async function exportScorecard({ ctx }: { ctx: ServiceContext }) {
  requireUser(ctx.actor, "scorecard.read");
  const latest = await ctx.db.scorecardSnapshot.findFirst({
    orderBy: { takenAt: "desc" },
    select: { id: true, takenAt: true },
  });
  // Before the first snapshot the file holds the header alone: nothing measured is not a row of zeros.
  const rows = (await ctx.db.scorecardAccount.findMany({
    where: { snapshotId: latest?.id ?? "" },
    orderBy: { accountName: "asc" },
  })) as unknown as AccountRecord[];
  let body = csvLine(SCORECARD_CSV_COLUMNS);
  for (const row of rows)
    body += csvLine([
      row.accountId,
      row.accountName,
      ...SCORECARD_MEASURES.map((m) => row[m]),
      row.standingGroupMembers,
      row.standingNotMeasured,
      row.credentialsNotMeasured,
    ]);
  return {
    body,
    filename: `scorecard-${(latest?.takenAt ?? ctx.now()).toISOString().slice(0, 10)}.csv`,
    labels: MEASURE_LABELS,
  };
}

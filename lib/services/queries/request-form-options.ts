import { z } from "zod";
import { eligibleGroups } from "../../domain/eligible-groups";
import { groupTargetLabel } from "../../domain/group-targets";
import { eligibleTargets, type EligibleTarget } from "../../domain/policy";
import type { PolicyDocument } from "../../domain/policy-schema";
import type { SessionRevocationMode } from "../../domain/request-presentation";
import { safeText } from "../../domain/safe-text";
import { searchWords, targetMatches } from "../../domain/target-search";
import { MIN_DURATION_MINUTES } from "../../domain/time-window";
import { requireUser } from "../authorize";
import type { ServiceContext, UserActor } from "../context";
import { parseInput } from "../parse-input";
import { findActivePolicy } from "../policy/active-policy";

export interface PermissionSetOption {
  arn: string;
  name: string;
  description: string | null;
  sessionDurationMinutes: number;
  /** What the portal does to the target's open AWS sessions when the access ends. */
  sessionRevocation: SessionRevocationMode;
  maxDurationMinutes: number;
  ticket: { required: boolean; patterns: string[]; examples: string[] };
  autoApprove: boolean;
  requiredApprovals: number;
}

export interface AccountOption {
  id: string;
  name: string;
  ouPath: string;
  permissionSets: PermissionSetOption[];
}

/** An Identity Center group the requester may ask to join, with what its group rules require. */
export interface GroupOption {
  name: string;
  /** membership of Identity Center group "prod-db-admins" */
  label: string;
  maxDurationMinutes: number;
  ticket: { required: boolean; patterns: string[]; examples: string[] };
  autoApprove: boolean;
  requiredApprovals: number;
}

export interface RequestFormOptions {
  accounts: AccountOption[];
  /** Identity Center groups this requester may ask to join (a request names accounts or groups, never both). */
  groups: GroupOption[];
  minDurationMinutes: number;
  /** Why the list is empty, in words for the requester; null when there is something to pick. */
  message: string | null;
}

export interface TargetSearchResult {
  /** The query as it was understood (trimmed). */
  query: string;
  /** At most TARGET_SEARCH_LIMIT matching targets, grouped by account, in account then permission set name order. */
  accounts: AccountOption[];
  shown: number;
  /** Every eligible target the query matches; more than `shown` means the requester should refine the search. */
  matching: number;
  minDurationMinutes: number;
  /** Why nothing at all can be requested, in words for the requester; null when something can. */
  message: string | null;
}

/** A page that never grows with the organization: 1,000 accounts × 100 permission sets stay one search away. */
export const TARGET_SEARCH_LIMIT = 50;

export const TargetSearch = z.object({ q: safeText("line").max(200).default("") });

type AccountRow = { id: string; name: string; ouPath: string; ouIds: string[] };
type PermissionSetRow = { arn: string; name: string; description: string | null; sessionDurationMinutes: number };
type Eligible = EligibleTarget<AccountRow, PermissionSetRow>;

/** The policy in force, or why nothing can be requested under it. */
async function loadActivePolicy(
  ctx: ServiceContext,
): Promise<{ ok: true; policy: PolicyDocument } | { ok: false; message: string }> {
  const policyRow = await findActivePolicy(ctx.db);
  if (policyRow?.document) return { ok: true, policy: policyRow.document };
  return {
    ok: false,
    message: policyRow
      ? "The stored access policy is invalid, so nothing can be requested. Tell the portal administrators."
      : "No access policy is loaded yet, so nothing can be requested.",
  };
}

function groupOptions(policy: PolicyDocument, requester: { email: string; groups: readonly string[] }): GroupOption[] {
  return eligibleGroups(policy, requester).map((group): GroupOption => ({
    name: group.name,
    label: groupTargetLabel(group.name),
    maxDurationMinutes: group.maxDurationMinutes,
    ticket: {
      required: group.ticket.required,
      patterns: [...group.ticket.patterns],
      examples: [...group.ticket.examples],
    },
    autoApprove: group.autoApprove,
    requiredApprovals: group.requiredApprovals,
  }));
}

/** Every target the policy lets this requester ask for (the same evaluateTarget the create verb runs), or why none. */
async function loadEligibleTargets(
  ctx: ServiceContext,
  actor: UserActor,
): Promise<{ targets: Eligible[]; groups: GroupOption[]; message: string | null }> {
  const parsed = await loadActivePolicy(ctx);
  if (!parsed.ok) return { targets: [], groups: [], message: parsed.message };
  const [accounts, permissionSets] = await Promise.all([
    ctx.db.awsAccount.findMany({
      where: { status: { not: "GONE" } },
      orderBy: [{ name: "asc" }, { id: "asc" }],
      select: { id: true, name: true, ouPath: true, ouIds: true },
    }),
    ctx.db.permissionSet.findMany({
      orderBy: [{ name: "asc" }, { arn: "asc" }],
      select: { arn: true, name: true, description: true, sessionDurationMinutes: true },
    }),
  ]);
  const requester = { email: actor.email, groups: actor.groups };
  const targets = eligibleTargets(parsed.policy, requester, accounts, permissionSets);
  const groups = groupOptions(parsed.policy, requester);
  const message =
    targets.length > 0 || groups.length > 0
      ? null
      : accounts.length === 0
        ? "The AWS account inventory has not been loaded yet."
        : "The access policy does not let you request any account yet. Ask your lead which group you need.";
  return { targets, groups, message };
}

function groupByAccount(targets: readonly Eligible[]): AccountOption[] {
  const byAccount = new Map<string, AccountOption>();
  for (const target of targets) {
    let option = byAccount.get(target.account.id);
    if (!option) {
      option = { id: target.account.id, name: target.account.name, ouPath: target.account.ouPath, permissionSets: [] };
      byAccount.set(target.account.id, option);
    }
    option.permissionSets.push({
      arn: target.permissionSet.arn,
      name: target.permissionSet.name,
      description: target.permissionSet.description,
      sessionDurationMinutes: target.permissionSet.sessionDurationMinutes,
      sessionRevocation: target.session.revocation,
      maxDurationMinutes: target.maxDurationMinutes,
      ticket: {
        required: target.ticket.required,
        patterns: [...target.ticket.patterns],
        examples: [...target.ticket.examples],
      },
      autoApprove: target.autoApprove,
      requiredApprovals: target.requiredApprovals,
    });
  }
  return [...byAccount.values()];
}

/** What the signed-in requester may ask for: only eligible (account, permission set) pairs, with what each one requires. */
export async function getRequestFormOptions({ ctx }: { ctx: ServiceContext }): Promise<RequestFormOptions> {
  const actor = requireUser(ctx.actor, "request.create");
  const { targets, groups, message } = await loadEligibleTargets(ctx, actor);
  return { accounts: groupByAccount(targets), groups, minDurationMinutes: MIN_DURATION_MINUTES, message };
}

/** The request form's search: eligible targets whose account name, id, OU path or permission set match every word, capped. */
export async function searchRequestTargets({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: unknown;
}): Promise<TargetSearchResult> {
  const actor = requireUser(ctx.actor, "request.create");
  const { q } = parseInput(TargetSearch, input);
  const { targets, message } = await loadEligibleTargets(ctx, actor);
  const words = searchWords(q);
  const matching = targets.filter((t) =>
    targetMatches(words, {
      accountId: t.account.id,
      accountName: t.account.name,
      ouPath: t.account.ouPath,
      permissionSetName: t.permissionSet.name,
    }),
  );
  const shown = matching.slice(0, TARGET_SEARCH_LIMIT);
  return {
    query: q,
    accounts: groupByAccount(shown),
    shown: shown.length,
    matching: matching.length,
    minDurationMinutes: MIN_DURATION_MINUTES,
    message,
  };
}

/** The named targets ("accountId|permissionSetArn", from a prefill link) that this requester may still ask for. */
export async function resolveRequestTargets({
  ctx,
  keys,
}: {
  ctx: ServiceContext;
  keys: readonly string[];
}): Promise<AccountOption[]> {
  const actor = requireUser(ctx.actor, "request.create");
  if (keys.length === 0) return [];
  const wanted = new Set(keys);
  const { targets } = await loadEligibleTargets(ctx, actor);
  return groupByAccount(targets.filter((t) => wanted.has(`${t.account.id}|${t.permissionSet.arn}`)));
}

/** The Identity Center groups this requester may join (the group rules that select them), without reading the inventory. */
export async function listRequestableGroups({ ctx }: { ctx: ServiceContext }): Promise<GroupOption[]> {
  const actor = requireUser(ctx.actor, "request.create");
  const parsed = await loadActivePolicy(ctx);
  return parsed.ok ? groupOptions(parsed.policy, { email: actor.email, groups: actor.groups }) : [];
}

import { z } from "zod";
import { paginate, type PageInfo } from "../../domain/pagination";
import { countQuorum } from "../../domain/policy";
import { requestRisks, type RiskFlag } from "../../domain/request-risk";
import { safeText } from "../../domain/safe-text";
import type { PolicyDocument } from "../../domain/policy-schema";
import { extensionMayBeDecided, REQUEST_STATUSES, requestAwaitsDecision } from "../../domain/request-lifecycle";
import type { Decision, RequestStatus } from "../../generated/prisma/enums";
import { requireUser } from "../authorize";
import { parseInput } from "../parse-input";
import type { ServiceContext, UserActor } from "../context";
import { policyForRequest } from "../requests/policy-targets";
import {
  isRoutedTo,
  loadTargetNames,
  summarizeGroupTarget,
  summarizeTarget,
  type GroupTargetSummary,
  type RoutableRequest,
  type TargetNames,
  type TargetSummary,
} from "./support";

export interface QueueDecision {
  approverName: string;
  decision: Decision;
  comment: string | null;
  at: Date;
}

export interface QueueItem {
  id: string;
  /** The version the approver saw, sent back with the decision so a changed request is refused. */
  version: number;
  requester: { name: string | null; email: string | null };
  targets: TargetSummary[];
  /** Identity Center group memberships asked for (a request has targets or groups). */
  groups: GroupTargetSummary[];
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  startedImmediately: boolean;
  justification: string;
  ticket: string | null;
  approvals: number;
  requiredApprovals: number;
  decisions: QueueDecision[];
  createdAt: Date;
  approvalExpiresAt: Date | null;
  /** The policy rules the request was decided under. */
  ruleIds: string[];
  /** Most serious first (lib/domain/request-risk.ts). */
  risks: RiskFlag[];
}

export interface ExtensionQueueItem {
  id: string;
  /** Sent back with the decision, like QueueItem.version. */
  version: number;
  status: RequestStatus;
  requester: { name: string | null; email: string | null };
  targets: TargetSummary[];
  groups: GroupTargetSummary[];
  endsAt: Date;
  extraMinutes: number;
  justification: string | null;
  requestedAt: Date | null;
  /** This extension round's approvals, counted as decideExtension counts them. */
  approvals: number;
  requiredApprovals: number;
}

export interface QueueFacet {
  value: string;
  label: string;
}

export interface ApprovalQueue {
  /** One page of the pending requests that match the filters, in the chosen order. */
  requests: QueueItem[];
  /** Where that page sits among every matching request ("1–50 of 2,000"). */
  page: PageInfo;
  /** How many pending requests wait for this approver before filtering. */
  totalRequests: number;
  /** The queue holds more than one read scans: only the oldest SCAN_LIMIT are listed and counted. */
  truncated: boolean;
  /** The values present in the whole queue, for the filter form. */
  facets: {
    accounts: QueueFacet[];
    ous: QueueFacet[];
    permissionSets: QueueFacet[];
    requesters: QueueFacet[];
    rules: QueueFacet[];
  };
  extensions: ExtensionQueueItem[];
}

export const QUEUE_SORTS = ["oldest", "newest", "risk", "expiring"] as const;
export const QUEUE_WAITING = ["1h", "4h", "1d"] as const;
const WAITING_MINUTES: Record<(typeof QUEUE_WAITING)[number], number> = { "1h": 60, "4h": 240, "1d": 1440 };

const filterText = safeText("line").max(200).optional();

/** The queue's filters, from a GET form: every field optional, an empty one ignored. */
export const ApprovalQueueFilters = z.object({
  account: filterText,
  ou: filterText,
  permissionSet: filterText,
  requester: filterText,
  rule: filterText,
  waiting: z.enum(QUEUE_WAITING, { message: "Choose a waiting time from the list." }).optional(),
  sort: z.enum(QUEUE_SORTS, { message: "Choose an order from the list." }).default("oldest"),
});
export type ApprovalQueueFilters = z.infer<typeof ApprovalQueueFilters>;

// The statuses the decide verbs accept, asked of the domain once so the queue lists only what can be decided.
const DECIDABLE_STATUSES = REQUEST_STATUSES.filter((status) => requestAwaitsDecision(status).ok);
const EXTENDABLE_STATUSES = REQUEST_STATUSES.filter((status) => extensionMayBeDecided(status).ok);

// Counting and filtering need the whole routed queue; beyond this the backlog itself is the problem, and the page says so.
export const SCAN_LIMIT = 10_000;
export const QUEUE_PAGE_SIZE = 50;

const requestSelect = {
  id: true,
  version: true,
  status: true,
  policyId: true,
  requesterId: true,
  matchedRuleId: true,
  startsAt: true,
  endsAt: true,
  durationMinutes: true,
  startedImmediately: true,
  justification: true,
  ticket: true,
  requiredApprovals: true,
  distinctGroups: true,
  extensionRound: true,
  createdAt: true,
  approvalExpiresAt: true,
  extensionRequestedMinutes: true,
  extensionRequestedAt: true,
  extensionJustification: true,
  requester: { select: { name: true, email: true } },
  targets: { select: { accountId: true, permissionSetArn: true }, orderBy: { id: "asc" as const } },
  groupTargets: { select: { groupName: true }, orderBy: { groupName: "asc" as const } },
  decisions: {
    select: {
      approverId: true,
      decision: true,
      kind: true,
      round: true,
      comment: true,
      viaGroups: true,
      createdAt: true,
      approver: { select: { name: true, email: true } },
    },
    orderBy: { createdAt: "asc" as const },
  },
};

/**
 * Pending requests and extensions that policy routes to this approver; never their own. One read of the queue (at most
 * SCAN_LIMIT rows with their targets and decisions, names in one more round trip); filters and order apply in memory, so the
 * filter form can offer every value the queue holds, and one page of the result is returned.
 */
export async function listApprovalQueue({
  ctx,
  input = {},
  page = 1,
  pageSize = QUEUE_PAGE_SIZE,
}: {
  ctx: ServiceContext;
  input?: unknown;
  page?: number;
  pageSize?: number;
}): Promise<ApprovalQueue> {
  const actor = requireUser(ctx.actor, "request.decide");
  const filters = parseInput(ApprovalQueueFilters, input);
  const now = ctx.now();
  const [pending, extensions] = await Promise.all([
    ctx.db.accessRequest.findMany({
      where: {
        status: { in: DECIDABLE_STATUSES },
        requesterId: { not: actor.userId },
        OR: [{ approvalExpiresAt: null }, { approvalExpiresAt: { gt: now } }],
        decisions: { none: { approverId: actor.userId } },
      },
      orderBy: { createdAt: "asc" },
      take: SCAN_LIMIT,
      select: requestSelect,
    }),
    ctx.db.accessRequest.findMany({
      where: {
        status: { in: EXTENDABLE_STATUSES },
        requesterId: { not: actor.userId },
        extensionRequestedMinutes: { not: null },
      },
      orderBy: { extensionRequestedAt: "asc" },
      take: SCAN_LIMIT,
      select: requestSelect,
    }),
  ]);
  const names = await loadTargetNames(
    ctx.db,
    [...pending, ...extensions].flatMap((r) => r.targets),
  );
  const policies = new PolicyCache(ctx);

  const requests: QueueItem[] = [];
  for (const r of pending) {
    const decisions = r.decisions.filter((d) => d.kind === "REQUEST");
    if (!(await policies.routes(actor, r, names, decisions))) continue;
    const targets = r.targets.map((t) => summarizeTarget(names, t));
    requests.push({
      id: r.id,
      version: r.version,
      requester: r.requester,
      targets,
      groups: r.groupTargets.map(summarizeGroupTarget),
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      durationMinutes: r.durationMinutes,
      startedImmediately: r.startedImmediately,
      justification: r.justification,
      ticket: r.ticket,
      approvals: countQuorum({ required: r.requiredApprovals, distinctGroups: r.distinctGroups }, decisions).approvals,
      requiredApprovals: r.requiredApprovals,
      decisions: decisions.map((d) => ({
        approverName: d.approver.name ?? d.approver.email ?? "unknown",
        decision: d.decision,
        comment: d.comment,
        at: d.createdAt,
      })),
      createdAt: r.createdAt,
      approvalExpiresAt: r.approvalExpiresAt,
      ruleIds: splitRuleIds(r.matchedRuleId),
      risks: requestRisks({ targets, durationMinutes: r.durationMinutes, startsAt: r.startsAt, ticket: r.ticket }),
    });
  }
  const ouIdsByAccount = new Map(
    requests.flatMap((q) => q.targets.map((t) => [t.accountId, names.account(t.accountId).ouIds] as const)),
  );
  const extensionItems: ExtensionQueueItem[] = [];
  for (const r of extensions) {
    const roundDecisions = r.decisions.filter((d) => d.kind === "EXTENSION" && d.round === r.extensionRound);
    if (!(await policies.routes(actor, r, names, roundDecisions))) continue;
    const tally = countQuorum({ required: r.requiredApprovals, distinctGroups: r.distinctGroups }, roundDecisions);
    extensionItems.push({
      id: r.id,
      version: r.version,
      status: r.status,
      requester: r.requester,
      targets: r.targets.map((t) => summarizeTarget(names, t)),
      groups: r.groupTargets.map(summarizeGroupTarget),
      endsAt: r.endsAt,
      extraMinutes: r.extensionRequestedMinutes ?? 0,
      justification: r.extensionJustification,
      requestedAt: r.extensionRequestedAt,
      approvals: tally.approvals,
      requiredApprovals: tally.required,
    });
  }
  const shown = paginate(
    sortQueue(
      requests.filter((q) => matchesFilters(q, filters, ouIdsByAccount, now)),
      filters.sort,
    ),
    page,
    pageSize,
  );
  return {
    requests: shown.rows,
    page: shown.page,
    totalRequests: requests.length,
    truncated: pending.length === SCAN_LIMIT,
    facets: queueFacets(requests, names),
    extensions: extensionItems,
  };
}

const splitRuleIds = (matched: string | null) =>
  (matched ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);

function matchesFilters(
  item: QueueItem,
  filters: ApprovalQueueFilters,
  ouIdsByAccount: Map<string, string[]>,
  now: Date,
): boolean {
  if (filters.account && !item.targets.some((t) => t.accountId === filters.account)) return false;
  if (filters.ou && !item.targets.some((t) => ouIdsByAccount.get(t.accountId)?.includes(filters.ou!))) return false;
  if (filters.permissionSet && !item.targets.some((t) => t.permissionSetName === filters.permissionSet)) return false;
  if (filters.requester && item.requester.email?.toLowerCase() !== filters.requester.toLowerCase()) return false;
  if (filters.rule && !item.ruleIds.includes(filters.rule)) return false;
  if (filters.waiting && now.getTime() - item.createdAt.getTime() < WAITING_MINUTES[filters.waiting] * 60_000)
    return false;
  return true;
}

const byCreated = (a: QueueItem, b: QueueItem) =>
  a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id);

function sortQueue(items: QueueItem[], sort: ApprovalQueueFilters["sort"]): QueueItem[] {
  const sorted = [...items];
  if (sort === "newest") return sorted.sort((a, b) => byCreated(b, a));
  // Most risk flags first, then the ones waiting longest.
  if (sort === "risk") return sorted.sort((a, b) => b.risks.length - a.risks.length || byCreated(a, b));
  // The approvals that lapse soonest first; requests without a deadline last.
  if (sort === "expiring")
    return sorted.sort(
      (a, b) =>
        (a.approvalExpiresAt?.getTime() ?? Infinity) - (b.approvalExpiresAt?.getTime() ?? Infinity) || byCreated(a, b),
    );
  return sorted.sort(byCreated);
}

function queueFacets(items: QueueItem[], names: TargetNames): ApprovalQueue["facets"] {
  const collect = (pairs: [string, string][]) =>
    [...new Map(pairs).entries()]
      .map(([value, label]) => ({ value, label }))
      .sort((a, b) => a.label.localeCompare(b.label));
  const targets = items.flatMap((q) => q.targets);
  return {
    accounts: collect(targets.map((t) => [t.accountId, `${t.accountName} (${t.accountId})`])),
    // Every OU above a queued account, named by its path so nested OUs read clearly.
    ous: collect(
      targets.flatMap((t) => {
        const account = names.account(t.accountId);
        const parts = account.ouPath.split("/");
        return account.ouIds.map((ou, i): [string, string] => [ou, parts.slice(0, i + 1).join("/") || ou]);
      }),
    ),
    permissionSets: collect(targets.map((t) => [t.permissionSetName, t.permissionSetName])),
    requesters: collect(
      items.flatMap((q): [string, string][] =>
        q.requester.email ? [[q.requester.email.toLowerCase(), q.requester.name ?? q.requester.email]] : [],
      ),
    ),
    rules: collect(items.flatMap((q) => q.ruleIds.map((id): [string, string] => [id, id]))),
  };
}

/** For the navigation badge: how many decisions wait for this approver. Zero for anyone who cannot decide. */
export async function pendingApprovalCount({ ctx }: { ctx: ServiceContext }): Promise<number> {
  if (ctx.actor.type !== "user" || !ctx.actor.roles.some((r) => r === "APPROVER" || r === "ADMIN")) return 0;
  const queue = await listApprovalQueue({ ctx });
  return queue.totalRequests + queue.extensions.length;
}

/** Each policy version is parsed once per call; a missing or invalid one routes nothing (the verb would refuse too). */
class PolicyCache {
  private readonly documents = new Map<string, Promise<PolicyDocument | null>>();
  constructor(private readonly ctx: ServiceContext) {}

  private document(policyId: string | null): Promise<PolicyDocument | null> {
    const key = policyId ?? "";
    let doc = this.documents.get(key);
    if (!doc) {
      doc = policyForRequest(this.ctx.db, policyId).catch(() => null);
      this.documents.set(key, doc);
    }
    return doc;
  }

  async routes(
    actor: UserActor,
    request: RoutableRequest & { policyId: string | null },
    names: TargetNames,
    decisions: Parameters<typeof isRoutedTo>[4],
  ): Promise<boolean> {
    if (request.requesterId === actor.userId) return false;
    const policy = await this.document(request.policyId);
    return policy ? isRoutedTo(policy, actor, request, names, decisions) : false;
  }
}

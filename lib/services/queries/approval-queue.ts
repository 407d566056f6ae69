import { countQuorum } from "../../domain/policy";
import type { PolicyDocument } from "../../domain/policy-schema";
import { extensionMayBeDecided, REQUEST_STATUSES, requestAwaitsDecision } from "../../domain/request-lifecycle";
import type { Decision, RequestStatus } from "../../generated/prisma/enums";
import { requireUser } from "../authorize";
import type { ServiceContext, UserActor } from "../context";
import { policyForRequest } from "../requests/policy-targets";
import {
  isRoutedTo,
  loadTargetNames,
  summarizeTarget,
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
}

export interface ExtensionQueueItem {
  id: string;
  /** Sent back with the decision, like QueueItem.version. */
  version: number;
  status: RequestStatus;
  requester: { name: string | null; email: string | null };
  targets: TargetSummary[];
  endsAt: Date;
  extraMinutes: number;
  justification: string | null;
  requestedAt: Date | null;
  /** This extension round's approvals, counted as decideExtension counts them. */
  approvals: number;
  requiredApprovals: number;
}

export interface ApprovalQueue {
  requests: QueueItem[];
  extensions: ExtensionQueueItem[];
}

// The statuses the decide verbs accept, asked of the domain once so the queue lists only what can be decided.
const DECIDABLE_STATUSES = REQUEST_STATUSES.filter((status) => requestAwaitsDecision(status).ok);
const EXTENDABLE_STATUSES = REQUEST_STATUSES.filter((status) => extensionMayBeDecided(status).ok);

// A queue longer than this is a backlog problem, not something to render in one page.
const SCAN_LIMIT = 500;

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

/** Pending requests and extensions that policy routes to this approver; never their own. */
export async function listApprovalQueue({ ctx }: { ctx: ServiceContext }): Promise<ApprovalQueue> {
  const actor = requireUser(ctx.actor, "request.decide");
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
    requests.push({
      id: r.id,
      version: r.version,
      requester: r.requester,
      targets: r.targets.map((t) => summarizeTarget(names, t)),
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
    });
  }
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
      endsAt: r.endsAt,
      extraMinutes: r.extensionRequestedMinutes ?? 0,
      justification: r.extensionJustification,
      requestedAt: r.extensionRequestedAt,
      approvals: tally.approvals,
      requiredApprovals: tally.required,
    });
  }
  return { requests, extensions: extensionItems };
}

/** For the navigation badge: how many decisions wait for this approver. Zero for anyone who cannot decide. */
export async function pendingApprovalCount({ ctx }: { ctx: ServiceContext }): Promise<number> {
  if (ctx.actor.type !== "user" || !ctx.actor.roles.some((r) => r === "APPROVER" || r === "ADMIN")) return 0;
  const queue = await listApprovalQueue({ ctx });
  return queue.requests.length + queue.extensions.length;
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

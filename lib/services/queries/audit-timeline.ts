import { z } from "zod";
import { recordId } from "../../domain/safe-text";
import { describeAction, type AuditTone } from "../../audit/actions";
import { AppError } from "../../domain/errors";
import { timelineEventTitle } from "../../domain/request-presentation";
import type { ActorType, RequestStatus } from "../../generated/prisma/enums";
import { hasPermission } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { presentRequestGrants, revocationTargetLabels } from "./grant-presentation";
import { hasAnyRole, loadTargetNames, requireViewer } from "./support";

export const AuditTimelineInput = z.object({ requestId: recordId() });

export interface AuditTimelineEntry {
  seq: string;
  at: Date;
  actorType: ActorType;
  actor: string;
  action: string;
  title: string;
  tone: AuditTone;
  entityType: string;
  entityId: string;
  /** For a grant event: "PowerUser on payments-prod", the target the grant id stands for. */
  target: string | null;
  reason: string | null;
  awsRequestId: string | null;
  before: unknown;
  after: unknown;
  hash: string;
  prevHash: string;
  /** Where a person acted from; only auditors and admins see it. */
  ip: string | null;
  userAgent: string | null;
}

export interface AuditTimeline {
  requestId: string;
  status: RequestStatus;
  createdAt: Date;
  requester: { email: string | null; name: string | null };
  entries: AuditTimelineEntry[];
  /** More events exist than were returned (a request with an unusually long history). */
  truncated: boolean;
}

const READERS = ["APPROVER", "ADMIN", "AUDITOR"] as const;
const MAX_EVENTS = 1_000;

function awsRequestId(after: unknown): string | null {
  if (after && typeof after === "object" && !Array.isArray(after)) {
    const value = (after as Record<string, unknown>).awsRequestId;
    if (typeof value === "string" && value) return value;
  }
  return null;
}

/** Every audit event of one request, in chain order; someone else's request is NOT_FOUND for a requester, so its existence stays hidden. */
export async function getAuditTimeline({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: unknown;
}): Promise<AuditTimeline> {
  const actor = requireViewer(ctx.actor);
  const { requestId } = parseInput(AuditTimelineInput, input);
  const request = await ctx.db.accessRequest.findUnique({
    where: { id: requestId },
    select: {
      id: true,
      status: true,
      createdAt: true,
      requesterId: true,
      requester: { select: { email: true, name: true } },
      targets: {
        select: { accountId: true, permissionSetArn: true, grant: { select: { id: true, keptForOtherGrant: true } } },
      },
    },
  });
  if (!request || !(request.requesterId === actor.userId || hasAnyRole(actor, READERS)))
    throw new AppError("NOT_FOUND", "That request does not exist.");
  const seesClients = hasPermission(actor, "history.read-all");
  const events = await ctx.db.auditEvent.findMany({
    where: { requestId },
    orderBy: { seq: "asc" },
    take: MAX_EVENTS + 1,
    select: {
      seq: true,
      occurredAt: true,
      actorType: true,
      actorLabel: true,
      action: true,
      entityType: true,
      entityId: true,
      before: true,
      after: true,
      reason: true,
      ip: true,
      userAgent: true,
      hash: true,
      prevHash: true,
    },
  });
  const names = await loadTargetNames(ctx.db, request.targets);
  const grants = await presentRequestGrants(ctx.db, request.targets, names, events);
  const revocationTarget = revocationTargetLabels(request.targets, names);
  return {
    requestId: request.id,
    status: request.status,
    createdAt: request.createdAt,
    requester: request.requester,
    truncated: events.length > MAX_EVENTS,
    entries: events.slice(0, MAX_EVENTS).map((e) => {
      const { title: generic, tone } = describeAction(e.action);
      const revoked = revocationTarget(e);
      const title = timelineEventTitle({ ...e, title: generic, targetLabel: revoked }, grants);
      return {
        seq: e.seq.toString(),
        at: e.occurredAt,
        actorType: e.actorType,
        actor: e.actorType === "SYSTEM" ? `portal worker (${e.actorLabel.replace(/^system:/, "")})` : e.actorLabel,
        action: e.action,
        title,
        tone,
        entityType: e.entityType,
        entityId: e.entityId,
        target: e.entityType === "grant" ? (grants.get(e.entityId)?.label ?? null) : revoked,
        reason: e.reason,
        awsRequestId: awsRequestId(e.after),
        before: e.before,
        after: e.after,
        hash: e.hash,
        prevHash: e.prevHash,
        ip: seesClients ? e.ip : null,
        userAgent: seesClients ? e.userAgent : null,
      };
    }),
  };
}

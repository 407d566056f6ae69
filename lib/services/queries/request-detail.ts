import { groupLabel } from "../../domain/group-targets";
import { z } from "zod";
import { recordId } from "../../domain/safe-text";
import { describeAction, type AuditTone } from "../../audit/actions";
import { AppError } from "../../domain/errors";
import { canRevoke, countQuorum } from "../../domain/policy";
import type { PolicyDocument } from "../../domain/policy-schema";
import {
  describeWindow,
  keptAssignmentText,
  requestHeadline,
  sessionNotice,
  type SessionNotice,
  type SessionRevocationMode,
  timelineEventTitle,
  ungrantedTargetText,
  type GrantPresentation,
} from "../../domain/request-presentation";
import {
  approvalWindowOpen,
  ASSIGNMENT_MAY_EXIST_STATUSES,
  extensionMayBeDecided,
  isRunning,
  requestAwaitsDecision,
  requesterMayCancel,
  requesterMayExtend,
  requesterMayRelease,
} from "../../domain/request-lifecycle";
import type { Decision, DecisionSubject, GrantStatus, RequestStatus } from "../../generated/prisma/enums";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { policyForRequest } from "../requests/policy-targets";
import { presentGroupGrants, presentRequestGrants, revocationTargetLabels } from "./grant-presentation";
import {
  hasAnyRole,
  isLive,
  isRoutedTo,
  loadTargetNames,
  requestForPolicy,
  requireViewer,
  sessionRevocationOf,
  summarizeGroupTarget,
  summarizeTarget,
  type GroupTargetSummary,
  type TargetSummary,
} from "./support";

export const RequestDetailInput = z.object({ requestId: recordId() });

export interface GrantView {
  id: string;
  status: GrantStatus;
  startsAt: Date;
  endsAt: Date;
  createRequestId: string | null;
  createIssuedAt: Date | null;
  createVerifiedAt: Date | null;
  deleteRequestId: string | null;
  deleteIssuedAt: Date | null;
  deleteVerifiedAt: Date | null;
  keptForOtherGrant: boolean;
  /** For a kept assignment: that access ended and which grant still holds the assignment. */
  keptNote: string | null;
  failureReason: string | null;
}

export interface TargetView extends TargetSummary {
  sessionDurationMinutes: number | null;
  /** What the portal does to this target's open AWS sessions when the access ends. */
  sessionRevocation: SessionRevocationMode;
  grant: GrantView | null;
  /** What a target without a grant will get: "after approval" while it may, else "not granted". */
  ungrantedText: string;
}

/** A temporary Identity Center group membership asked for, with its grant once approved. */
export interface GroupTargetView extends GroupTargetSummary {
  grant: {
    id: string;
    status: GrantStatus;
    startsAt: Date;
    endsAt: Date;
    createIssuedAt: Date | null;
    createVerifiedAt: Date | null;
    deleteIssuedAt: Date | null;
    deleteVerifiedAt: Date | null;
    keptForOtherGrant: boolean;
    /** For a kept membership: that access ended and why the membership stays. */
    keptNote: string | null;
    failureReason: string | null;
  } | null;
  ungrantedText: string;
}

export interface DecisionView {
  approverName: string;
  approverEmail: string | null;
  decision: Decision;
  /** On the request itself, or on one of its extensions. */
  kind: DecisionSubject;
  comment: string | null;
  viaGroups: string[];
  at: Date;
}

export type TimelineTone = AuditTone;

export interface TimelineEntry {
  seq: string;
  at: Date;
  actor: string;
  title: string;
  /** AWS request id, reason or comment: whatever makes the step checkable. */
  detail: string | null;
  awsRequestId: string | null;
  tone: TimelineTone;
}

export interface RequestDetail {
  id: string;
  status: RequestStatus;
  version: number;
  createdAt: Date;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  maxDurationMinutes: number;
  startedImmediately: boolean;
  /** "1 h asked, 20 min used, …" or that it never started. */
  windowText: string;
  /** The header badge: the status, or "Ending: removal in progress" while the banner says access is being removed. */
  headline: { key: string; label: string | null };
  /** One sentence for the request while it is active, or null. */
  /** One notice for the whole request: how long its AWS sessions could outlive it, and whether they are cut. */
  sessionNotice: SessionNotice | null;
  justification: string;
  ticket: string | null;
  /** The policy version the request was evaluated under (null for requests made before versions existed). */
  policyVersion: number | null;
  /** Emergency access (break-glass): granted without approval, reviewed afterwards. */
  breakGlass: boolean;
  requiredApprovals: number;
  /** Approvals that count toward the quorum (with distinctGroups, one per group), not every APPROVE row. */
  approvals: number;
  approvalExpiresAt: Date | null;
  decidedAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
  requester: { id: string; name: string | null; email: string | null };
  extension: {
    allowed: boolean;
    needsApproval: boolean;
    pending: {
      minutes: number;
      requestedAt: Date | null;
      justification: string | null;
      approvals: number;
      required: number;
    } | null;
  };
  targets: TargetView[];
  /** Identity Center group memberships (a request has targets or groups, never both). */
  groups: GroupTargetView[];
  decisions: DecisionView[];
  timeline: TimelineEntry[];
  live: boolean;
  /** Released, revoked or past its end while the worker still removes access. */
  ending: boolean;
  viewer: {
    isRequester: boolean;
    canCancel: boolean;
    canRelease: boolean;
    canExtend: boolean;
    canRevoke: boolean;
    canDecide: boolean;
    canDecideExtension: boolean;
  };
}

const PRIVILEGED_READERS = ["APPROVER", "ADMIN", "AUDITOR"] as const;
const DECIDERS = ["APPROVER", "ADMIN"] as const;

/** One request with its grants, decisions and audit timeline; invisible requests are NOT_FOUND so their existence is not revealed. */
export async function getRequestDetail({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: unknown;
}): Promise<RequestDetail> {
  const actor = requireViewer(ctx.actor);
  const { requestId } = parseInput(RequestDetailInput, input);
  const request = await ctx.db.accessRequest.findUnique({
    where: { id: requestId },
    include: {
      requester: { select: { id: true, name: true, email: true } },
      targets: { include: { grant: true }, orderBy: { id: "asc" } },
      groupTargets: { include: { grant: true }, orderBy: { groupName: "asc" } },
      decisions: { include: { approver: { select: { name: true, email: true } } }, orderBy: { createdAt: "asc" } },
      policy: { select: { version: true } },
    },
  });
  const isRequester = request?.requesterId === actor.userId;
  if (!request || !(isRequester || hasAnyRole(actor, PRIVILEGED_READERS)))
    throw new AppError("NOT_FOUND", "That request does not exist.");

  const [names, events] = await Promise.all([
    loadTargetNames(ctx.db, request.targets),
    ctx.db.auditEvent.findMany({
      where: { requestId },
      orderBy: { seq: "asc" },
      select: {
        seq: true,
        occurredAt: true,
        actorType: true,
        actorLabel: true,
        action: true,
        entityType: true,
        entityId: true,
        after: true,
        reason: true,
      },
    }),
  ]);
  const [accountGrantViews, groupGrantViews] = await Promise.all([
    presentRequestGrants(ctx.db, request.targets, names, events),
    presentGroupGrants(ctx.db, request.groupTargets, events),
  ]);
  const grantViews = new Map([...accountGrantViews, ...groupGrantViews]);
  const revocationTarget = revocationTargetLabels(request.targets, names);
  const targets: TargetView[] = request.targets.map((t) => ({
    ...summarizeTarget(names, t),
    ungrantedText: ungrantedTargetText(request.status),
    sessionDurationMinutes: names.permissionSet(t.permissionSetArn).sessionDurationMinutes,
    sessionRevocation: sessionRevocationOf(t),
    grant: t.grant
      ? {
          id: t.grant.id,
          status: t.grant.status,
          startsAt: t.grant.startsAt,
          endsAt: t.grant.endsAt,
          createRequestId: t.grant.createRequestId,
          createIssuedAt: t.grant.createIssuedAt,
          createVerifiedAt: t.grant.createVerifiedAt,
          deleteRequestId: t.grant.deleteRequestId,
          deleteIssuedAt: t.grant.deleteIssuedAt,
          deleteVerifiedAt: t.grant.deleteVerifiedAt,
          keptForOtherGrant: t.grant.keptForOtherGrant,
          keptNote: keptNote(grantViews.get(t.grant.id)),
          failureReason: t.grant.failureReason,
        }
      : null,
  }));
  const groups: GroupTargetView[] = request.groupTargets.map((t) => ({
    ...summarizeGroupTarget(t),
    ungrantedText: ungrantedTargetText(request.status),
    grant: t.grant
      ? {
          id: t.grant.id,
          status: t.grant.status,
          startsAt: t.grant.startsAt,
          endsAt: t.grant.endsAt,
          createIssuedAt: t.grant.createIssuedAt,
          createVerifiedAt: t.grant.createVerifiedAt,
          deleteIssuedAt: t.grant.deleteIssuedAt,
          deleteVerifiedAt: t.grant.deleteVerifiedAt,
          keptForOtherGrant: t.grant.keptForOtherGrant,
          keptNote: keptNote(grantViews.get(t.grant.id)),
          failureReason: t.grant.failureReason,
        }
      : null,
  }));
  const grantStatuses = [...targets, ...groups].flatMap((t) => (t.grant ? [t.grant.status] : []));
  const now = ctx.now();
  const ending = request.endsAt <= now && grantStatuses.some((s) => ASSIGNMENT_MAY_EXIST_STATUSES.includes(s));
  const running = isRunning(request.status, request.endsAt, now);
  const decider = !isRequester && hasAnyRole(actor, DECIDERS);
  const requestDecisions = request.decisions.filter((d) => d.kind === "REQUEST");
  // Only this extension round's decisions count, as in decideExtension.
  const extensionDecisions = request.decisions.filter(
    (d) => d.kind === "EXTENSION" && d.round === request.extensionRound,
  );
  const extensionTally = countQuorum(
    { required: request.requiredApprovals, distinctGroups: request.distinctGroups },
    extensionDecisions,
  );
  const pendingExtension = request.extensionRequestedMinutes
    ? {
        minutes: request.extensionRequestedMinutes,
        requestedAt: request.extensionRequestedAt,
        justification: request.extensionJustification,
        approvals: extensionTally.approvals,
        required: extensionTally.required,
      }
    : null;
  // A missing or invalid policy routes nothing (the verbs would refuse too).
  const policy: PolicyDocument | null = decider
    ? await policyForRequest(ctx.db, request.policyId).catch(() => null)
    : null;
  const alreadyDecided = requestDecisions.some((d) => d.approverId === actor.userId);
  const mayDecide =
    policy !== null &&
    requestAwaitsDecision(request.status).ok &&
    approvalWindowOpen(request.approvalExpiresAt, now).ok &&
    !alreadyDecided &&
    isRoutedTo(policy, actor, request, names, requestDecisions);
  const mayDecideExtension =
    policy !== null &&
    pendingExtension !== null &&
    extensionMayBeDecided(request.status).ok &&
    running &&
    isRoutedTo(policy, actor, request, names, extensionDecisions);
  // The same domain rules the cancel, release, extend, decide and revoke verbs enforce decide which buttons show.
  const mayCancel = isRequester && requesterMayCancel(request.status, grantStatuses).ok;
  const mayRevoke =
    policy !== null &&
    running &&
    canRevoke(
      policy,
      { userId: actor.userId, email: actor.email, groups: actor.groups, isAdmin: actor.roles.includes("ADMIN") },
      requestForPolicy(request, names),
    ).ok;

  return {
    id: request.id,
    status: request.status,
    version: request.version,
    createdAt: request.createdAt,
    startsAt: request.startsAt,
    endsAt: request.endsAt,
    durationMinutes: request.durationMinutes,
    maxDurationMinutes: request.maxDurationMinutes,
    startedImmediately: request.startedImmediately,
    windowText: describeWindow({
      ...request,
      grants: [...request.targets, ...request.groupTargets].flatMap((t) => (t.grant ? [t.grant] : [])),
    }),
    headline: requestHeadline(request.status, ending),
    sessionNotice:
      request.status === "ACTIVE" && !ending
        ? sessionNotice(targets.filter((t) => t.grant?.status === "ACTIVE"))
        : null,
    justification: request.justification,
    ticket: request.ticket,
    policyVersion: request.policy?.version ?? null,
    breakGlass: request.breakGlass,
    requiredApprovals: request.requiredApprovals,
    approvals: countQuorum(
      { required: request.requiredApprovals, distinctGroups: request.distinctGroups },
      requestDecisions,
    ).approvals,
    approvalExpiresAt: request.approvalExpiresAt,
    decidedAt: request.decidedAt,
    closedAt: request.closedAt,
    closeReason: request.closeReason,
    requester: request.requester,
    extension: {
      allowed: request.extensionAllowed,
      needsApproval: request.extensionNeedsApproval,
      pending: pendingExtension,
    },
    targets,
    groups,
    decisions: request.decisions.map((d) => ({
      approverName: d.approver.name ?? d.approver.email ?? "unknown",
      approverEmail: d.approver.email,
      decision: d.decision,
      kind: d.kind,
      comment: d.comment,
      viaGroups: d.viaGroups.map(groupLabel),
      at: d.createdAt,
    })),
    timeline: events.map((e) => describeEvent(e, grantViews, revocationTarget(e))),
    live: isLive(request.status, grantStatuses),
    ending,
    viewer: {
      isRequester,
      canCancel: mayCancel,
      // Where cancelling is possible it is the cleaner way out, so release is offered only once something started.
      canRelease: isRequester && requesterMayRelease(request.status, request.endsAt, now).ok && !mayCancel,
      canExtend:
        isRequester &&
        requesterMayExtend(request.status).ok &&
        running &&
        request.extensionAllowed &&
        pendingExtension === null,
      canRevoke: mayRevoke,
      canDecide: mayDecide,
      canDecideExtension: mayDecideExtension,
    },
  };
}

function keptNote(grant: GrantPresentation | undefined): string | null {
  return grant?.kept ? keptAssignmentText(grant.kept) : null;
}

function stringField(value: unknown, key: string): string | null {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === "string" && field) return field;
  }
  return null;
}

function describeEvent(
  event: {
    seq: bigint;
    occurredAt: Date;
    actorType: string;
    actorLabel: string;
    action: string;
    entityType: string;
    entityId: string;
    after: unknown;
    reason: string | null;
  },
  grants: ReadonlyMap<string, GrantPresentation>,
  targetLabel: string | null,
): TimelineEntry {
  const known = describeAction(event.action);
  const title = timelineEventTitle({ ...event, title: known.title, targetLabel }, grants);
  const code = event.action.endsWith("_refused") ? stringField(event.after, "code") : null;
  return {
    seq: event.seq.toString(),
    at: event.occurredAt,
    actor: event.actorType === "SYSTEM" ? "portal worker" : event.actorLabel,
    title,
    detail: [code, event.reason].filter(Boolean).join(": ") || null,
    awsRequestId: stringField(event.after, "awsRequestId"),
    tone: known.tone,
  };
}

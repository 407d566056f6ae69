import { countQuorum } from "../../domain/policy";
import { sessionNotice, type SessionNotice } from "../../domain/request-presentation";
import type { RequestStatus } from "../../generated/prisma/enums";
import type { ServiceContext } from "../context";
import {
  isLive,
  loadTargetNames,
  requireViewer,
  sessionRevocationOf,
  summarizeGroupTarget,
  summarizeTarget,
  type GroupTargetSummary,
  type TargetSummary,
} from "./support";

export interface MyRequestSummary {
  id: string;
  status: RequestStatus;
  createdAt: Date;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  targets: TargetSummary[];
  /** Identity Center group memberships asked for (a request has targets or groups). */
  groups: GroupTargetSummary[];
  approvals: number;
  requiredApprovals: number;
  extensionPending: boolean;
  closeReason: string | null;
}

export interface ActiveGrantView {
  grantId: string;
  requestId: string;
  accountId: string;
  accountName: string;
  permissionSetName: string;
  startsAt: Date;
  endsAt: Date;
  /** How long a console session of this permission set lasts (null when the set left the inventory). */
  sessionDurationMinutes: number | null;
  /** Set on the last listed grant of each request only, so the notice reads once per request. */
  sessionNotice: SessionNotice | null;
}

/** A temporary Identity Center group membership the viewer holds right now. */
export interface ActiveGroupGrantView extends GroupTargetSummary {
  grantId: string;
  requestId: string;
  startsAt: Date;
  endsAt: Date;
}

export interface MyRequestsView {
  requests: MyRequestSummary[];
  activeGrants: ActiveGrantView[];
  activeGroupGrants: ActiveGroupGrantView[];
  /** Any request or grant that can still change without the viewer doing anything. */
  live: boolean;
}

const DEFAULT_LIMIT = 50;

/** The signed-in person's own requests, newest first, and the access they hold right now. */
export async function listMyRequests({
  ctx,
  input = {},
}: {
  ctx: ServiceContext;
  input?: { limit?: number };
}): Promise<MyRequestsView> {
  const actor = requireViewer(ctx.actor);
  const take = Math.min(Math.max(1, input.limit ?? DEFAULT_LIMIT), 200);
  const [requests, grants, groupGrants] = await Promise.all([
    ctx.db.accessRequest.findMany({
      where: { requesterId: actor.userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      select: {
        id: true,
        status: true,
        createdAt: true,
        startsAt: true,
        endsAt: true,
        durationMinutes: true,
        requiredApprovals: true,
        distinctGroups: true,
        extensionRequestedMinutes: true,
        closeReason: true,
        targets: { select: { accountId: true, permissionSetArn: true } },
        groupTargets: { select: { groupName: true }, orderBy: { groupName: "asc" } },
        grants: { select: { status: true } },
        groupGrants: { select: { status: true } },
        decisions: { where: { kind: "REQUEST" }, select: { approverId: true, decision: true, viaGroups: true } },
      },
    }),
    ctx.db.grant.findMany({
      where: { userId: actor.userId, status: "ACTIVE" },
      orderBy: { endsAt: "asc" },
      select: {
        id: true,
        requestId: true,
        accountId: true,
        permissionSetArn: true,
        startsAt: true,
        endsAt: true,
        target: { select: { revokeSessionsOnEnd: true } },
      },
    }),
    ctx.db.groupGrant.findMany({
      where: { userId: actor.userId, status: "ACTIVE" },
      orderBy: { endsAt: "asc" },
      select: { id: true, requestId: true, groupName: true, startsAt: true, endsAt: true },
    }),
  ]);
  const names = await loadTargetNames(ctx.db, [...requests.flatMap((r) => r.targets), ...grants]);
  const lastGrantOfRequest = new Map(grants.map((g) => [g.requestId, g.id]));
  const sessionNoticeOf = (requestId: string) =>
    sessionNotice(
      grants
        .filter((g) => g.requestId === requestId)
        .map((g) => ({
          permissionSetName: names.permissionSet(g.permissionSetArn).name,
          sessionDurationMinutes: names.permissionSet(g.permissionSetArn).sessionDurationMinutes,
          sessionRevocation: sessionRevocationOf(g.target),
        })),
    );
  return {
    requests: requests.map((r) => ({
      id: r.id,
      status: r.status,
      createdAt: r.createdAt,
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      durationMinutes: r.durationMinutes,
      targets: r.targets.map((t) => summarizeTarget(names, t)),
      groups: r.groupTargets.map(summarizeGroupTarget),
      approvals: countQuorum({ required: r.requiredApprovals, distinctGroups: r.distinctGroups }, r.decisions)
        .approvals,
      requiredApprovals: r.requiredApprovals,
      extensionPending: r.extensionRequestedMinutes !== null,
      closeReason: r.closeReason,
    })),
    activeGrants: grants.map((g) => ({
      grantId: g.id,
      requestId: g.requestId,
      accountId: g.accountId,
      accountName: names.account(g.accountId).name,
      permissionSetName: names.permissionSet(g.permissionSetArn).name,
      startsAt: g.startsAt,
      endsAt: g.endsAt,
      sessionDurationMinutes: names.permissionSet(g.permissionSetArn).sessionDurationMinutes,
      sessionNotice: lastGrantOfRequest.get(g.requestId) === g.id ? sessionNoticeOf(g.requestId) : null,
    })),
    activeGroupGrants: groupGrants.map((g) => ({
      ...summarizeGroupTarget(g),
      grantId: g.id,
      requestId: g.requestId,
      startsAt: g.startsAt,
      endsAt: g.endsAt,
    })),
    live:
      grants.length > 0 ||
      groupGrants.length > 0 ||
      requests.some((r) =>
        isLive(
          r.status,
          [...r.grants, ...r.groupGrants].map((g) => g.status),
        ),
      ),
  };
}

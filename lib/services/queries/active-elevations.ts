import { canRevoke } from "../../domain/policy";
import type { PolicyDocument } from "../../domain/policy-schema";
import { ASSIGNMENT_MAY_EXIST_STATUSES, isRunning } from "../../domain/request-lifecycle";
import type { GrantStatus, RequestStatus } from "../../generated/prisma/enums";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { policyForRequest } from "../requests/policy-targets";
import {
  loadTargetNames,
  requestForPolicy,
  summarizeGroupTarget,
  summarizeTarget,
  type GroupTargetSummary,
  type TargetSummary,
} from "./support";

export interface ElevationTarget extends TargetSummary {
  grantId: string;
  grantStatus: GrantStatus;
}

/** A temporary Identity Center group membership that may exist right now (its GroupGrant). */
export interface ElevationGroup extends GroupTargetSummary {
  grantId: string;
  grantStatus: GrantStatus;
}

export interface ActiveElevation {
  requestId: string;
  version: number;
  status: RequestStatus;
  requester: { name: string | null; email: string | null };
  targets: ElevationTarget[];
  groups: ElevationGroup[];
  startsAt: Date;
  endsAt: Date;
  /** Past its end, released or revoked, while the worker still removes the assignments. */
  ending: boolean;
  ticket: string | null;
  justification: string;
  approvers: { name: string; viaGroups: string[] }[];
  autoApproved: boolean;
  /** The revoke verb's own rules (role, routed approver or admin, never one's own access); the verb checks again. */
  canRevoke: boolean;
}

const ACTIVE_LIMIT = 500;

/** Every elevation that may hold access in AWS right now, soonest end first: what security reads during an incident. */
export async function listActiveElevations({ ctx }: { ctx: ServiceContext }): Promise<ActiveElevation[]> {
  const actor = requireUser(ctx.actor, "grants.read-active");
  const requests = await ctx.db.accessRequest.findMany({
    where: {
      OR: [
        { grants: { some: { status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } } } },
        { groupGrants: { some: { status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } } } },
      ],
    },
    include: {
      requester: { select: { name: true, email: true } },
      targets: { include: { grant: true }, orderBy: { id: "asc" } },
      groupTargets: { include: { grant: true }, orderBy: { groupName: "asc" } },
      decisions: {
        where: { kind: "REQUEST", decision: "APPROVE" },
        include: { approver: { select: { name: true, email: true } } },
        orderBy: { createdAt: "asc" },
      },
    },
    orderBy: [{ endsAt: "asc" }, { id: "asc" }],
    take: ACTIVE_LIMIT,
  });
  const names = await loadTargetNames(
    ctx.db,
    requests.flatMap((r) => r.targets),
  );
  const now = ctx.now();
  const mayRevoke = hasPermission(actor, "grant.revoke");
  // A request's own policy version decides who may revoke it, as in the verb; a broken policy row offers no button.
  const policies = new Map<string, Promise<PolicyDocument | null>>();
  const policyOf = (policyId: string | null) => {
    const key = policyId ?? "";
    if (!policies.has(key))
      policies.set(
        key,
        policyForRequest(ctx.db, policyId).catch(() => null),
      );
    return policies.get(key)!;
  };
  return Promise.all(
    requests.map(async (request): Promise<ActiveElevation> => {
      const live = request.targets.flatMap((t) =>
        t.grant && ASSIGNMENT_MAY_EXIST_STATUSES.includes(t.grant.status)
          ? [{ ...summarizeTarget(names, t), grantId: t.grant.id, grantStatus: t.grant.status }]
          : [],
      );
      const liveGroups = request.groupTargets.flatMap((t) =>
        t.grant && ASSIGNMENT_MAY_EXIST_STATUSES.includes(t.grant.status)
          ? [{ ...summarizeGroupTarget(t), grantId: t.grant.id, grantStatus: t.grant.status }]
          : [],
      );
      const running = isRunning(request.status, request.endsAt, now);
      const policy = mayRevoke && running ? await policyOf(request.policyId) : null;
      return {
        requestId: request.id,
        version: request.version,
        status: request.status,
        requester: request.requester,
        targets: live,
        groups: liveGroups,
        startsAt: request.startsAt,
        endsAt: request.endsAt,
        ending:
          !running ||
          [...live, ...liveGroups].every((t) => t.grantStatus === "REMOVING" || t.grantStatus === "REMOVAL_FAILED"),
        ticket: request.ticket,
        justification: request.justification,
        approvers: request.decisions.map((d) => ({
          name: d.approver.name ?? d.approver.email ?? "unknown",
          viaGroups: d.viaGroups,
        })),
        // Access exists only after approval, so none recorded means the policy approved it by itself.
        autoApproved: request.decisions.length === 0,
        canRevoke:
          policy !== null &&
          canRevoke(
            policy,
            { userId: actor.userId, email: actor.email, groups: actor.groups, isAdmin: actor.roles.includes("ADMIN") },
            requestForPolicy(request, names),
          ).ok,
      };
    }),
  );
}

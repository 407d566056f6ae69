import type { Db } from "../../db";
import { groupPolicyTargets, policySubject } from "../requests/policy-targets";
import { AppError } from "../../domain/errors";
import { groupTargetLabel, groupTargetShortLabel } from "../../domain/group-targets";
import { canApprove, type RequestForApproval } from "../../domain/policy";
import type { PolicyDocument } from "../../domain/policy-schema";
import {
  isTerminalGrantStatus,
  isTerminalRequestStatus,
  type GrantStatus,
  type RequestStatus,
} from "../../domain/request-lifecycle";
import type { SessionRevocationMode } from "../../domain/request-presentation";
import type { Decision, Role } from "../../generated/prisma/enums";
import type { Actor, UserActor } from "../context";

/** Reads are for signed-in people only; the role checks specific to each page follow this line. */
export function requireViewer(actor: Actor): UserActor {
  if (actor.type !== "user") throw new AppError("UNAUTHENTICATED", "Sign in first.");
  return actor;
}

export function hasAnyRole(actor: UserActor, roles: readonly Role[]): boolean {
  return actor.roles.some((role) => roles.includes(role));
}

export interface AccountInfo {
  id: string;
  name: string;
  ouPath: string;
  ouIds: string[];
  gone: boolean;
}

export interface PermissionSetInfo {
  arn: string;
  name: string;
  sessionDurationMinutes: number | null;
}

/** Names for (account, permission set) pairs in one round trip; unknown ids fall back to the raw id so history stays readable. */
export async function loadTargetNames(db: Db, targets: { accountId: string; permissionSetArn: string }[]) {
  const accountIds = [...new Set(targets.map((t) => t.accountId))];
  const arns = [...new Set(targets.map((t) => t.permissionSetArn))];
  const [accounts, sets] = await Promise.all([
    accountIds.length
      ? db.awsAccount.findMany({
          where: { id: { in: accountIds } },
          select: { id: true, name: true, ouPath: true, ouIds: true, status: true },
        })
      : [],
    arns.length
      ? db.permissionSet.findMany({
          where: { arn: { in: arns } },
          select: { arn: true, name: true, sessionDurationMinutes: true },
        })
      : [],
  ]);
  const accountById = new Map(
    accounts.map((a) => [
      a.id,
      { id: a.id, name: a.name, ouPath: a.ouPath, ouIds: a.ouIds, gone: a.status === "GONE" },
    ]),
  );
  const setByArn = new Map(
    sets.map((s) => [s.arn, { arn: s.arn, name: s.name, sessionDurationMinutes: s.sessionDurationMinutes }]),
  );
  return {
    account(id: string): AccountInfo {
      return accountById.get(id) ?? { id, name: id, ouPath: "", ouIds: [], gone: true };
    },
    permissionSet(arn: string): PermissionSetInfo {
      return setByArn.get(arn) ?? { arn, name: arn.split("/").at(-1) ?? arn, sessionDurationMinutes: null };
    },
    /** Whether every target still exists in the inventory, as policy evaluation needs. */
    known(target: { accountId: string; permissionSetArn: string }) {
      const account = accountById.get(target.accountId);
      return Boolean(account && !account.gone && setByArn.has(target.permissionSetArn));
    },
  };
}

export type TargetNames = Awaited<ReturnType<typeof loadTargetNames>>;

export interface TargetSummary {
  accountId: string;
  accountName: string;
  ouPath: string;
  permissionSetArn: string;
  permissionSetName: string;
}

export function summarizeTarget(
  names: TargetNames,
  target: { accountId: string; permissionSetArn: string },
): TargetSummary {
  const account = names.account(target.accountId);
  const set = names.permissionSet(target.permissionSetArn);
  return {
    accountId: account.id,
    accountName: account.name,
    ouPath: account.ouPath,
    permissionSetArn: set.arn,
    permissionSetName: set.name,
  };
}

/** A group target as pages, mails and the API show it (see groupTargetLabel). */
export interface GroupTargetSummary {
  groupName: string;
  /** membership of Identity Center group "prod-db-admins" */
  label: string;
  /** prod-db-admins (Identity Center group) */
  shortLabel: string;
}

export function summarizeGroupTarget(target: { groupName: string }): GroupTargetSummary {
  return {
    groupName: target.groupName,
    label: groupTargetLabel(target.groupName),
    shortLabel: groupTargetShortLabel(target.groupName),
  };
}

/** Something on the page can still change on its own (worker, approver), so the page keeps refreshing. */
export function isLive(requestStatus: RequestStatus, grantStatuses: readonly GrantStatus[]): boolean {
  return !isTerminalRequestStatus(requestStatus) || grantStatuses.some((s) => !isTerminalGrantStatus(s));
}

export interface RoutableRequest {
  requesterId: string;
  /** The rules the request was decided under (comma-separated), so routing matches what the decide verbs check. */
  matchedRuleId: string | null;
  requester: { email: string | null };
  targets: { accountId: string; permissionSetArn: string }[];
  /** Identity Center groups asked for instead of account targets. */
  groupTargets: { groupName: string }[];
  /** A pending request escalated after its window also routes to the rules' escalation approvers (policySubject). */
  status?: string;
  escalatedAt?: Date | null;
}

/** The request as the domain's approval and revoke rules read it; a target gone from the inventory leaves no target, so nobody is routed. */
export function requestForPolicy(request: RoutableRequest, names: TargetNames): Omit<RequestForApproval, "decisions"> {
  return policySubject(
    request,
    request.targets.every((t) => names.known(t))
      ? [
          ...request.targets.map((t) => ({
            account: { id: t.accountId, ouIds: names.account(t.accountId).ouIds },
            permissionSetName: names.permissionSet(t.permissionSetArn).name,
          })),
          ...groupPolicyTargets(request.groupTargets.map((t) => t.groupName)),
        ]
      : [],
  );
}

/** Whether policy routes the request to this approver now; only decides what to show, the verb checks again. */
export function isRoutedTo(
  policy: PolicyDocument,
  actor: UserActor,
  request: RoutableRequest,
  names: TargetNames,
  decisions: { approverId: string; decision: Decision; viaGroups: string[] }[],
): boolean {
  if (request.requesterId === actor.userId) return false;
  const verdict = canApprove(
    policy,
    { userId: actor.userId, email: actor.email, groups: actor.groups },
    {
      ...requestForPolicy(request, names),
      decisions: decisions.map((d) => ({ approverId: d.approverId, decision: d.decision, viaGroups: d.viaGroups })),
    },
  );
  return verdict.ok;
}

/** What the portal does to a target's open AWS sessions when its access ends, as the request recorded it. */
export function sessionRevocationOf(target: { revokeSessionsOnEnd: boolean }): SessionRevocationMode {
  return target.revokeSessionsOnEnd ? "deny-on-end" : "off";
}

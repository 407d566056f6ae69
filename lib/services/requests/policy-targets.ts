import type { Db } from "../../db";
import { AppError } from "../../domain/errors";
import { groupPolicyTarget } from "../../domain/eligible-groups";
import type { PolicyTarget } from "../../domain/policy";
import { PolicyDocument } from "../../domain/policy-schema";

export interface TargetRef {
  accountId: string;
  permissionSetArn: string;
}

/** Turns (account id, permission set ARN) pairs into what policy evaluation reads: OU ancestry and set names. */
export async function describeTargets(db: Db, targets: TargetRef[]) {
  const [accounts, sets] = await Promise.all([
    db.awsAccount.findMany({ where: { id: { in: targets.map((t) => t.accountId) }, status: { not: "GONE" } } }),
    db.permissionSet.findMany({ where: { arn: { in: targets.map((t) => t.permissionSetArn) } } }),
  ]);
  const accountById = new Map(accounts.map((a) => [a.id, a]));
  const setByArn = new Map(sets.map((s) => [s.arn, s]));
  return targets.map((target) => {
    const account = accountById.get(target.accountId);
    const set = setByArn.get(target.permissionSetArn);
    if (!account || !set)
      throw new AppError("VALIDATION", "One of the selected accounts or permission sets does not exist (any more).", {
        fieldErrors: { targets: ["Pick accounts and permission sets from the list."] },
      });
    return {
      ...target,
      account: { id: account.id, ouIds: account.ouIds },
      accountName: account.name,
      permissionSetName: set.name,
      sessionDurationMinutes: set.sessionDurationMinutes,
    };
  });
}

/** Group targets as policy evaluation reads them (groupPolicyTarget). */
export function groupPolicyTargets(groupNames: readonly string[]): PolicyTarget[] {
  return groupNames.map(groupPolicyTarget);
}

/** Every target of a stored request as policy evaluation reads it: its account targets described, or its group targets. */
export async function requestPolicyTargets(
  db: Db,
  request: { targets: TargetRef[]; groupTargets: { groupName: string }[] },
): Promise<PolicyTarget[]> {
  return [
    ...(await describeTargets(db, request.targets)),
    ...groupPolicyTargets(request.groupTargets.map((t) => t.groupName)),
  ];
}

/** The request as the domain's approval and revoke rules read it: its requester, the rules it matched and its targets. */
export function policySubject(
  request: {
    requesterId: string;
    requester: { email: string | null };
    matchedRuleId: string | null;
    status?: string;
    escalatedAt?: Date | null;
  },
  targets: readonly PolicyTarget[],
) {
  return {
    requesterId: request.requesterId,
    requesterEmail: request.requester.email ?? "",
    ruleIds: request.matchedRuleId ? request.matchedRuleId.split(",") : undefined,
    targets: targets.map((t): PolicyTarget =>
      t.identityCenterGroup === undefined
        ? { account: t.account, permissionSetName: t.permissionSetName }
        : { account: t.account, permissionSetName: t.permissionSetName, identityCenterGroup: t.identityCenterGroup },
    ),
    // Escalation widens who may decide the pending request only, never its extensions or revocation.
    escalated: request.status === "PENDING" && Boolean(request.escalatedAt),
  };
}

/** The policy version a request was decided under, so a later policy edit cannot re-route its approvals. */
export async function policyForRequest(db: Db, policyId: string | null): Promise<PolicyDocument> {
  const row = policyId ? await db.policy.findUnique({ where: { id: policyId } }) : null;
  const parsed = row ? PolicyDocument.safeParse(row.document) : null;
  if (!parsed?.success) throw new AppError("INTERNAL", "The policy this request was made under is missing or invalid.");
  return parsed.data;
}

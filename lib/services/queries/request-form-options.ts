import { eligibleTargets } from "../../domain/policy";
import { PolicyDocument } from "../../domain/policy-schema";
import type { SessionRevocationMode } from "../../domain/request-presentation";
import { MIN_DURATION_MINUTES } from "../../domain/time-window";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";

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

export interface RequestFormOptions {
  accounts: AccountOption[];
  minDurationMinutes: number;
  /** Why the list is empty, in words for the requester; null when there is something to pick. */
  message: string | null;
}

/** What the signed-in requester may ask for: only eligible (account, permission set) pairs, with what each one requires. */
export async function getRequestFormOptions({ ctx }: { ctx: ServiceContext }): Promise<RequestFormOptions> {
  const actor = requireUser(ctx.actor, "request.create");
  const policyRow = await ctx.db.policy.findFirst({
    where: { active: true },
    orderBy: { loadedAt: "desc" },
    select: { document: true },
  });
  const parsed = policyRow ? PolicyDocument.safeParse(policyRow.document) : null;
  if (!parsed?.success) {
    return {
      accounts: [],
      minDurationMinutes: MIN_DURATION_MINUTES,
      message: policyRow
        ? "The stored access policy is invalid, so nothing can be requested. Tell the portal administrators."
        : "No access policy is loaded yet, so nothing can be requested.",
    };
  }
  const [accounts, permissionSets] = await Promise.all([
    ctx.db.awsAccount.findMany({
      where: { status: { not: "GONE" } },
      orderBy: { name: "asc" },
      select: { id: true, name: true, ouPath: true, ouIds: true },
    }),
    ctx.db.permissionSet.findMany({
      orderBy: { name: "asc" },
      select: { arn: true, name: true, description: true, sessionDurationMinutes: true },
    }),
  ]);
  const eligible = eligibleTargets(parsed.data, { email: actor.email, groups: actor.groups }, accounts, permissionSets);
  const byAccount = new Map<string, AccountOption>();
  for (const target of eligible) {
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
  const options = [...byAccount.values()];
  const message =
    options.length > 0
      ? null
      : accounts.length === 0
        ? "The AWS account inventory has not been loaded yet."
        : "The access policy does not let you request any account yet. Ask your lead which group you need.";
  return { accounts: options, minDurationMinutes: MIN_DURATION_MINUTES, message };
}

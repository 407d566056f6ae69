import { accountMatches, ruleCoversTarget, type PolicyTarget, type TargetAccount } from "./policy";
import { emailKey, WILDCARD, type PolicyDocument, type RequesterSelector } from "./policy-schema";

/** One allow rule that lets someone request the target: who, for how long, and who approves. */
export interface EligibleRule {
  ruleId: string;
  description: string | null;
  /** IdP groups ("*" is everyone signed in) and emails the rule names as requesters, minus those a deny rule blocks. */
  groups: string[];
  users: string[];
  maxDurationMinutes: number;
  ticketRequired: boolean;
  autoApproved: boolean;
  approverGroups: string[];
  approverUsers: string[];
  requiredApprovals: number;
  /** Requesters this rule names that a deny rule on the same target blocks. */
  blockedGroups: string[];
  blockedUsers: string[];
}

export interface DenyingRule {
  ruleId: string;
  groups: string[];
  users: string[];
  reason: string;
}

/** Who may request one (account, permission set): the eligible half of "eligible vs active". */
export interface TargetEligibility {
  eligible: EligibleRule[];
  denied: DenyingRule[];
}

function denies(deny: RequesterSelector, kind: "groups" | "users", name: string): boolean {
  if (deny.groups?.includes(WILDCARD)) return true;
  if (kind === "groups") return deny.groups?.includes(name) ?? false;
  return deny.users?.some((user) => emailKey(user) === emailKey(name)) ?? false;
}

/** Reads the policy for one target as evaluateTarget would for each requester: an explicit deny wins over every allow rule. */
export function whoMayRequest(policy: PolicyDocument, target: PolicyTarget): TargetEligibility {
  const denyRules = policy.deny.filter((rule) => ruleCoversTarget(rule, target));
  const blocked = (kind: "groups" | "users", name: string) =>
    denyRules.some((rule) => denies(rule.requesters, kind, name));
  const eligible = policy.rules
    .filter((rule) => ruleCoversTarget(rule, target))
    .map((rule): EligibleRule => {
      const groups = rule.requesters.groups ?? [];
      const users = rule.requesters.users ?? [];
      return {
        ruleId: rule.id,
        description: rule.description ?? null,
        groups: groups.filter((group) => !blocked("groups", group)),
        users: users.filter((user) => !blocked("users", user)),
        maxDurationMinutes: rule.maxDurationMinutes,
        ticketRequired: rule.ticket.required,
        autoApproved: rule.approval.auto,
        approverGroups: rule.approval.approvers?.groups ?? [],
        approverUsers: rule.approval.approvers?.users ?? [],
        requiredApprovals: rule.approval.auto ? 0 : rule.approval.required,
        blockedGroups: groups.filter((group) => blocked("groups", group)),
        blockedUsers: users.filter((user) => blocked("users", user)),
      };
    });
  return {
    eligible,
    denied: denyRules.map((rule) => ({
      ruleId: rule.id,
      groups: rule.requesters.groups ?? [],
      users: rule.requesters.users ?? [],
      reason: rule.reason,
    })),
  };
}

/**
 * The policy cut down to the allow and deny rules that name one account (for any permission set). whoMayRequest answers
 * the same on it for every target in that account, and an account no rule names can be skipped without asking per set.
 */
export function policyForAccount(policy: PolicyDocument, account: TargetAccount): PolicyDocument {
  return {
    ...policy,
    rules: policy.rules.filter((rule) => accountMatches(rule.accounts, account)),
    deny: policy.deny.filter((rule) => accountMatches(rule.accounts, account)),
  };
}

// Identity Center groups in the policy: group rules as allow rules that cover only their groups, and group selectors.
import {
  IDENTITY_CENTER_GROUP_PREFIX,
  identityCenterGroupKey,
  type AllowRule,
  type GroupRule,
  type PolicyDocument,
} from "./policy-schema";

/** A group rule read as an allow rule: it covers no account and no permission set, only its Identity Center groups. */
export type GroupAllowRule = AllowRule & { identityCenterGroups: readonly string[] };

export function groupRuleAsAllowRule(rule: GroupRule): GroupAllowRule {
  return {
    ...rule,
    accounts: { ids: [] },
    permissionSets: [],
    // Removing a member does not end sessions opened through the group's assignments; nothing cuts them.
    sessionRevocation: "off",
  };
}

const evaluatedRules = new WeakMap<PolicyDocument, readonly (AllowRule | GroupAllowRule)[]>();

/** Every allow rule the policy evaluates: the account rules, then the group rules. */
export function allowRulesOf(policy: PolicyDocument): readonly (AllowRule | GroupAllowRule)[] {
  let rules = evaluatedRules.get(policy);
  if (!rules) {
    rules = [...policy.rules, ...(policy.groupRules ?? []).map(groupRuleAsAllowRule)];
    evaluatedRules.set(policy, rules);
  }
  return rules;
}

/** Whether a rule is a group rule covering this Identity Center group (account rules never do, "*" included). */
export function ruleCoversGroup(rule: object, displayName: string): boolean {
  return "identityCenterGroups" in rule && (rule as GroupAllowRule).identityCenterGroups.includes(displayName);
}

/** Every Identity Center group name the policy mentions, with the path of its first mention (for the load-time check). */
export function identityCenterGroupsNamed(policy: PolicyDocument): Map<string, string> {
  const named = new Map<string, string>();
  const note = (names: readonly string[] | undefined, path: string) =>
    names?.forEach((name, index) => {
      if (!named.has(name)) named.set(name, `${path}[${index}]`);
    });
  const section = (rules: readonly (AllowRule | GroupRule)[], sectionName: "rules" | "groupRules") =>
    rules.forEach((rule, index) => {
      const at = `${sectionName}[${index}]`;
      if ("identityCenterGroups" in rule) note(rule.identityCenterGroups, `${at}.identityCenterGroups`);
      note(rule.requesters.identityCenterGroups, `${at}.requesters.identityCenterGroups`);
      note(rule.approval.approvers?.identityCenterGroups, `${at}.approval.approvers.identityCenterGroups`);
      note(
        rule.approval.escalation?.approvers.identityCenterGroups,
        `${at}.approval.escalation.approvers.identityCenterGroups`,
      );
    });
  section(policy.rules, "rules");
  policy.deny.forEach((rule, index) =>
    note(rule.requesters.identityCenterGroups, `deny[${index}].requesters.identityCenterGroups`),
  );
  section(policy.groupRules ?? [], "groupRules");
  return named;
}

/** Groups whose membership the portal grants and takes away: the reconciler watches these for out-of-band members. */
export function portalManagedGroups(policy: PolicyDocument): string[] {
  return [...new Set((policy.groupRules ?? []).flatMap((rule) => rule.identityCenterGroups))].sort();
}

/**
 * The groups a person is evaluated with: their IdP groups (claims that could pose as an Identity Center group dropped)
 * plus their Identity Center groups' keys.
 */
export function withIdentityCenterGroups(
  idpGroups: readonly string[],
  identityCenterGroupNames: readonly string[],
): string[] {
  return [
    ...idpGroups.filter((group) => !group.startsWith(IDENTITY_CENTER_GROUP_PREFIX.slice(0, 1))),
    ...identityCenterGroupNames.map(identityCenterGroupKey),
  ];
}

/** A group as people read it: "prod-db-admins (Identity Center)" for a key, the name itself for an IdP group. */
export function groupLabel(group: string): string {
  return group.startsWith(IDENTITY_CENTER_GROUP_PREFIX)
    ? `${group.slice(IDENTITY_CENTER_GROUP_PREFIX.length)} (Identity Center)`
    : group;
}

/** How long a worker's reading of someone's Identity Center groups counts; the worker refreshes well within it. */
export const IDENTITY_CENTER_GROUPS_CACHE_MINUTES = 15;

/** The Identity Center groups to evaluate someone with: none once the reading is older than the cache window (fail closed). */
export function freshIdentityCenterGroups(
  user: { identityCenterGroups: readonly string[]; identityCenterGroupsAt: Date | null },
  now: Date,
): string[] {
  if (!user.identityCenterGroupsAt) return [];
  const ageMs = now.getTime() - user.identityCenterGroupsAt.getTime();
  return ageMs >= 0 && ageMs < IDENTITY_CENTER_GROUPS_CACHE_MINUTES * 60_000 ? [...user.identityCenterGroups] : [];
}

/** The groups a signed-in person is evaluated with: IdP claims plus their fresh Identity Center groups. */
export function actorGroups(
  user: { idpGroups: readonly string[]; identityCenterGroups: readonly string[]; identityCenterGroupsAt: Date | null },
  now: Date,
): string[] {
  return withIdentityCenterGroups(user.idpGroups, freshIdentityCenterGroups(user, now));
}

/** A group target as a sentence names it: membership of Identity Center group "prod-db-admins". */
export function groupTargetLabel(displayName: string): string {
  return `membership of Identity Center group "${displayName}"`;
}

/** A group target in lists and table cells: "prod-db-admins (Identity Center group)", never mistaken for an IdP group. */
export function groupTargetShortLabel(displayName: string): string {
  return `${displayName} (Identity Center group)`;
}

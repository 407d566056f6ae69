import { evaluateTarget, requesterMatches, type PolicyTarget, type Requester, type TicketRequirement } from "./policy";
import type { PolicyDocument } from "./policy-schema";
import { formatMinutes } from "./time-window";

/** A group target as policy evaluation reads it: membership of the named Identity Center group, no account or set. */
export function groupPolicyTarget(displayName: string): PolicyTarget {
  return { account: { id: "", ouIds: [] }, permissionSetName: "", identityCenterGroup: displayName };
}

export interface EligibleGroup {
  name: string;
  ruleIds: string[];
  maxDurationMinutes: number;
  /** Human-readable, e.g. "2 h". */
  maxDurationLabel: string;
  ticket: TicketRequirement;
  autoApprove: boolean;
  requiredApprovals: number;
  extensionAllowed: boolean;
}

/** Every Identity Center group this requester may ask to join (the same evaluateTarget the create verb runs), by name. */
export function eligibleGroups(policy: PolicyDocument, requester: Requester): EligibleGroup[] {
  const named = (policy.groupRules ?? [])
    .filter((rule) => requesterMatches(rule.requesters, requester))
    .flatMap((rule) => rule.identityCenterGroups);
  return [...new Set(named)].sort().flatMap((name) => {
    const verdict = evaluateTarget(policy, requester, groupPolicyTarget(name));
    if (!verdict.allowed) return [];
    return [
      {
        name,
        ruleIds: verdict.ruleIds,
        maxDurationMinutes: verdict.maxDurationMinutes,
        maxDurationLabel: formatMinutes(verdict.maxDurationMinutes),
        ticket: verdict.ticket,
        autoApprove: verdict.approval.auto,
        requiredApprovals: verdict.approval.required,
        extensionAllowed: verdict.extension.allowed,
      },
    ];
  });
}

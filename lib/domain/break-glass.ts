import type { AppErrorCode, FieldErrors } from "./errors";
import { findDenyRule, requesterMatches, ruleCoversTarget, type PolicyTarget, type Requester } from "./policy";
import type { BreakGlassRule, PolicyDocument } from "./policy-schema";
import { describeTicketFormat, MAX_TICKET_LENGTH, ticketMatches } from "./ticket-pattern";
import { checkDuration, formatMinutes } from "./time-window";

// Break-glass: emergency access without approval, under its own rules, always reviewed afterwards.

/** The break-glass rules that name this person, whatever the target. */
export function breakGlassRulesFor(policy: PolicyDocument, requester: Requester): BreakGlassRule[] {
  return policy.breakGlass.filter((rule) => requesterMatches(rule.requesters, requester));
}

/** Whether the "Emergency access" entry is shown to this person at all. */
export function mayBreakGlass(policy: PolicyDocument, requester: Requester): boolean {
  return breakGlassRulesFor(policy, requester).length > 0;
}

export interface IncidentRequirement {
  /** The incident reference must match every pattern, whole-string. */
  patterns: string[];
  examples: string[];
}

export interface BreakGlassTarget {
  ruleIds: string[];
  maxDurationMinutes: number;
  incident: IncidentRequirement;
}

export type BreakGlassTargetVerdict =
  | ({ allowed: true } & BreakGlassTarget)
  | { allowed: false; code: Extract<AppErrorCode, "FORBIDDEN" | "POLICY_DENIED">; reason: string };

function label(target: PolicyTarget) {
  return `${target.permissionSetName} on ${target.account.id}`;
}

/** One target: not on any break-glass list → FORBIDDEN; deny rules win; every matching rule applies, the strictest wins. */
export function evaluateBreakGlassTarget(
  policy: PolicyDocument,
  requester: Requester,
  target: PolicyTarget,
): BreakGlassTargetVerdict {
  const mine = breakGlassRulesFor(policy, requester);
  if (mine.length === 0)
    return { allowed: false, code: "FORBIDDEN", reason: "You are not on any emergency access list." };
  const deny = findDenyRule(policy, requester, target);
  if (deny) return { allowed: false, code: "POLICY_DENIED", reason: deny.reason };
  const rules = mine.filter((rule) => ruleCoversTarget(rule, target));
  if (rules.length === 0)
    return {
      allowed: false,
      code: "POLICY_DENIED",
      reason: `Emergency access does not cover ${label(target)}. Use a normal request.`,
    };
  return {
    allowed: true,
    ruleIds: rules.map((rule) => rule.id),
    maxDurationMinutes: Math.min(...rules.map((rule) => rule.maxDurationMinutes)),
    incident: {
      patterns: [...new Set(rules.map((rule) => rule.incident.pattern))],
      examples: [...new Set(rules.flatMap((rule) => (rule.incident.hint === undefined ? [] : [rule.incident.hint])))],
    },
  };
}

/** Form messages for an incident reference; empty when it is fine. */
export function checkIncident(requirement: IncidentRequirement, incident: string | undefined): string[] {
  const given = (incident ?? "").trim();
  const format = describeTicketFormat(requirement);
  if (given === "")
    return [format ? `An incident reference is required, ${format}.` : "An incident reference is required."];
  if (given.length > MAX_TICKET_LENGTH) return [`An incident reference is at most ${MAX_TICKET_LENGTH} characters.`];
  if (requirement.patterns.every((pattern) => ticketMatches(pattern, given))) return [];
  return [`This incident reference does not have the expected form; write it ${format}.`];
}

export type BreakGlassVerdict =
  | { ok: true; target: BreakGlassTarget }
  | {
      ok: false;
      code: Extract<AppErrorCode, "FORBIDDEN" | "POLICY_DENIED" | "VALIDATION">;
      message: string;
      fieldErrors: FieldErrors;
    };

/** A whole break-glass use: the target must be allowed, the duration within the rules' maximum, the incident well formed. */
export function evaluateBreakGlass(
  policy: PolicyDocument,
  requester: Requester,
  target: PolicyTarget,
  options: { durationMinutes: number; incident: string | undefined },
): BreakGlassVerdict {
  const verdict = evaluateBreakGlassTarget(policy, requester, target);
  if (!verdict.allowed)
    return { ok: false, code: verdict.code, message: verdict.reason, fieldErrors: { target: [verdict.reason] } };
  const fieldErrors: FieldErrors = {};
  const duration = checkDuration(options.durationMinutes, verdict.maxDurationMinutes);
  if (duration)
    fieldErrors.durationMinutes = [
      options.durationMinutes > verdict.maxDurationMinutes
        ? `Emergency access lasts at most ${formatMinutes(verdict.maxDurationMinutes)} here.`
        : duration,
    ];
  const incident = checkIncident(verdict.incident, options.incident);
  if (incident.length > 0) fieldErrors.incident = incident;
  if (Object.keys(fieldErrors).length > 0)
    return { ok: false, code: "VALIDATION", message: "Some fields need attention.", fieldErrors };
  return {
    ok: true,
    target: { ruleIds: verdict.ruleIds, maxDurationMinutes: verdict.maxDurationMinutes, incident: verdict.incident },
  };
}

export interface BreakGlassOption<A extends PolicyTarget["account"], P extends { name: string }> {
  account: A;
  permissionSet: P;
  maxDurationMinutes: number;
  maxDurationLabel: string;
  incident: IncidentRequirement;
}

/** Every (account, permission set) this person may break glass on, for the emergency form. */
export function breakGlassOptions<A extends PolicyTarget["account"], P extends { name: string }>(
  policy: PolicyDocument,
  requester: Requester,
  accounts: readonly A[],
  permissionSets: readonly P[],
): BreakGlassOption<A, P>[] {
  if (!mayBreakGlass(policy, requester)) return [];
  return accounts.flatMap((account) =>
    permissionSets.flatMap((permissionSet) => {
      const verdict = evaluateBreakGlassTarget(policy, requester, { account, permissionSetName: permissionSet.name });
      if (!verdict.allowed) return [];
      return [
        {
          account,
          permissionSet,
          maxDurationMinutes: verdict.maxDurationMinutes,
          maxDurationLabel: formatMinutes(verdict.maxDurationMinutes),
          incident: verdict.incident,
        },
      ];
    }),
  );
}

export type ReviewVerdict = "JUSTIFIED" | "NOT_JUSTIFIED";

/** Whether this person may review this use: never the one who broke glass; a "not justified" needs a comment. */
export function reviewProblem(
  review: { reviewerId: string; verdict: ReviewVerdict; comment: string | undefined },
  use: { userId: string | null },
): { code: Extract<AppErrorCode, "SELF_APPROVAL" | "VALIDATION">; message: string } | null {
  if (use.userId !== null && use.userId === review.reviewerId)
    return { code: "SELF_APPROVAL", message: "You cannot review your own emergency access; another reviewer must." };
  if (review.verdict === "NOT_JUSTIFIED" && (review.comment ?? "").trim() === "")
    return { code: "VALIDATION", message: "Say why this use was not justified." };
  return null;
}

/** When an unreviewed use starts to alert. */
export function reviewDueAt(usedAt: Date, reviewHours: number): Date {
  return new Date(usedAt.getTime() + reviewHours * 3_600_000);
}

/** Minutes from use to review, for the break-glass page; null while unreviewed. */
export function minutesToReview(usedAt: Date, reviewedAt: Date | null): number | null {
  return reviewedAt === null ? null : Math.max(0, Math.round((reviewedAt.getTime() - usedAt.getTime()) / 60_000));
}

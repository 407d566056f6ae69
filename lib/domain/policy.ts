import type { z } from "zod";
import type { AppErrorCode, FieldErrors } from "./errors";
import { allowRulesOf, ruleCoversGroup, type GroupAllowRule } from "./group-targets";
import {
  emailKey,
  identityCenterGroupKey,
  PolicyDocument,
  WILDCARD,
  type AccountSelector,
  type AllowRule,
  type DenyRule,
  type RequesterSelector,
} from "./policy-schema";
import { describeTicketFormat, MAX_TICKET_LENGTH, ticketMatches } from "./ticket-pattern";
import { checkDuration, formatMinutes } from "./time-window";

// ---------------------------------------------------------------------------------------------------------------------------
// Parsing

export interface PolicyProblem {
  /** Where in the document, e.g. "rules[2].ticket.pattern"; "" for the document itself. */
  path: string;
  message: string;
}

export type ParsePolicyResult = { ok: true; policy: PolicyDocument } | { ok: false; problems: PolicyProblem[] };

/** Validates raw YAML/JSON data; every problem names its path and the reason. */
export function parsePolicyDocument(raw: unknown): ParsePolicyResult {
  const result = PolicyDocument.safeParse(raw);
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, problems: policyProblems(result.error.issues) };
}

export function policyProblems(issues: readonly z.core.$ZodIssue[]): PolicyProblem[] {
  return issues.flatMap((issue) => {
    // One line per smuggled key, pointing at the key itself.
    if (issue.code === "unrecognized_keys")
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: "unknown key (check the spelling; unknown keys are rejected)",
      }));
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

/** ["rules", 2, "ticket", "pattern"] → "rules[2].ticket.pattern". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === "number"
        ? `${text}[${segment}]`
        : text === ""
          ? String(segment)
          : `${text}.${String(segment)}`,
    "",
  );
}

// ---------------------------------------------------------------------------------------------------------------------------
// Identities and targets

export interface Requester {
  email: string;
  /** IdP groups, compared exactly (case-sensitive). */
  groups: readonly string[];
}

export interface TargetAccount {
  id: string;
  /** Every OU (and root) above the account, so nested OUs match. */
  ouIds: readonly string[];
}

export interface PolicyTarget {
  account: TargetAccount;
  permissionSetName: string;
  /** Set for a group target: membership of this Identity Center group (display name); account and set are then unused. */
  identityCenterGroup?: string;
  /** How long an AWS session of the set lasts, when known (for refuseWindowShorterThanSession). */
  sessionDurationMinutes?: number | null;
}

export type SessionRevocationMode = AllowRule["sessionRevocation"];

export interface SessionRequirement {
  /** deny-on-end when any matching rule asks for it: cutting sessions is the stricter promise. */
  revocation: SessionRevocationMode;
  /** With revocation off: the reasons of the rules that refuse a window shorter than the session. */
  shortWindowRefusals: string[];
}

export interface Approver {
  userId: string;
  email: string;
  groups: readonly string[];
}

export type DecisionKind = "APPROVE" | "DENY";

export interface ApprovalDecisionRecord {
  approverId: string;
  decision: DecisionKind;
  /** The routed groups the approver acted through (recorded by canApprove). */
  viaGroups: readonly string[];
}

/** Email key for policy selectors: trimmed, ASCII letters lowercased; other characters kept so look-alikes never match. */
export function selectorEmailKey(email: string): string {
  return emailKey(email);
}

// Looser than selector matching on purpose: for self-approval a false "same person" is safe, a missed one is not.
function emailsLookAlike(a: string, b: string): boolean {
  const loose = (email: string) => email.normalize("NFKC").trim().toLowerCase();
  if (a.trim() === "" || b.trim() === "") return false;
  return selectorEmailKey(a) === selectorEmailKey(b) || loose(a) === loose(b);
}

export function requesterMatches(selector: RequesterSelector, requester: Requester): boolean {
  if (selector.groups?.some((group) => group === WILDCARD || requester.groups.includes(group))) return true;
  if (selector.identityCenterGroups?.some((name) => requester.groups.includes(identityCenterGroupKey(name))))
    return true;
  const email = selectorEmailKey(requester.email);
  return email !== "" && (selector.users?.some((user) => selectorEmailKey(user) === email) ?? false);
}

export function accountMatches(selector: AccountSelector, account: TargetAccount): boolean {
  if (selector.ids?.some((id) => id === WILDCARD || id === account.id)) return true;
  return selector.ous?.some((ou) => account.ouIds.includes(ou)) ?? false;
}

function permissionSetMatches(names: readonly string[], permissionSetName: string): boolean {
  return names.some((name) => name === WILDCARD || name === permissionSetName);
}

export function ruleCoversTarget(
  rule: Pick<AllowRule, "accounts" | "permissionSets"> | GroupAllowRule,
  target: PolicyTarget,
): boolean {
  if (target.identityCenterGroup !== undefined) return ruleCoversGroup(rule, target.identityCenterGroup);
  return (
    accountMatches(rule.accounts, target.account) && permissionSetMatches(rule.permissionSets, target.permissionSetName)
  );
}

// ---------------------------------------------------------------------------------------------------------------------------
// Combining rules: every allow rule that matches applies, so the strictest requirement wins (documented in README.md).

export interface TicketRequirement {
  required: boolean;
  /** A supplied ticket must match every pattern, whole-string. */
  patterns: string[];
  /** Example tickets from the rules' hints, shown instead of the patterns. */
  examples: string[];
}

export interface ApprovalRequirement {
  auto: boolean;
  /** Groups routed by every applicable rule that names approvers; an approver must be in one of them or be an approver user. */
  approverGroups: string[];
  /** Emails (lowercased) named by every applicable rule that names approvers. */
  approverUsers: string[];
  /** 0 when auto. */
  required: number;
  distinctGroups: boolean;
}

export interface ExtensionRequirement {
  allowed: boolean;
  requiresApproval: boolean;
}

export type TargetVerdict =
  | { allowed: false; reason: string; denyRuleId?: string }
  | {
      allowed: true;
      ruleIds: string[];
      maxDurationMinutes: number;
      ticket: TicketRequirement;
      approval: ApprovalRequirement;
      extension: ExtensionRequirement;
      session: SessionRequirement;
    };

export type AllowedTarget = Extract<TargetVerdict, { allowed: true }>;

interface Requirements {
  maxDurationMinutes: number;
  ticket: TicketRequirement;
  approval: ApprovalRequirement;
  extension: ExtensionRequirement;
  session: SessionRequirement;
}

function combineSessionRevocation(rules: readonly AllowRule[]): SessionRequirement {
  const revocation = rules.some((rule) => rule.sessionRevocation === "deny-on-end") ? "deny-on-end" : "off";
  return {
    revocation,
    shortWindowRefusals:
      revocation === "off" ? [...new Set(rules.flatMap((rule) => rule.refuseWindowShorterThanSession ?? []))] : [],
  };
}

function intersect(sets: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = sets;
  if (!first) return [];
  return [...new Set(first)].filter((group) => rest.every((set) => set.includes(group))).sort();
}

/** Who a rule routes approvals to, or null when it names nobody (auto rules without extension approvers). */
function approverRoute(rule: AllowRule, escalated = false): ApproverRoute | null {
  const approvers = rule.approval.approvers;
  if (!approvers) return null;
  // Once escalated, the rule's fallback approvers may decide too.
  const fallback = escalated ? rule.approval.escalation?.approvers : undefined;
  const identityCenterGroups = [...(approvers.identityCenterGroups ?? []), ...(fallback?.identityCenterGroups ?? [])];
  return {
    groups: [
      ...new Set([
        ...(approvers.groups ?? []),
        ...(fallback?.groups ?? []),
        ...identityCenterGroups.map(identityCenterGroupKey),
      ]),
    ],
    users: [...new Set([...(approvers.users ?? []), ...(fallback?.users ?? [])].map(emailKey))],
  };
}

export interface ApproverRoute {
  groups: string[];
  users: string[];
}

// Per kind, so an approver must be named the same way (group or user) by every rule: stricter than needed, never looser.
function intersectRoutes(routes: readonly ApproverRoute[]): ApproverRoute {
  return {
    groups: intersect(routes.map((route) => route.groups)),
    users: intersect(routes.map((route) => route.users)),
  };
}

function combineRules(rules: readonly AllowRule[]): Requirements {
  const nonAuto = rules.filter((rule) => !rule.approval.auto);
  const auto = nonAuto.length === 0;
  const { groups: approverGroups, users: approverUsers } = intersectRoutes(
    rules.flatMap((rule) => approverRoute(rule) ?? []),
  );
  return {
    maxDurationMinutes: Math.min(...rules.map((rule) => rule.maxDurationMinutes)),
    ticket: {
      required: rules.some((rule) => rule.ticket.required),
      patterns: [...new Set(rules.flatMap((rule) => (rule.ticket.pattern === undefined ? [] : [rule.ticket.pattern])))],
      examples: [...new Set(rules.flatMap((rule) => (rule.ticket.hint === undefined ? [] : [rule.ticket.hint])))],
    },
    approval: {
      auto,
      approverGroups,
      approverUsers,
      required: auto ? 0 : Math.max(...nonAuto.map((rule) => rule.approval.required)),
      distinctGroups: nonAuto.some((rule) => rule.approval.distinctGroups),
    },
    extension: combineExtension(
      rules.map((rule) => rule.extension),
      approverGroups.length + approverUsers.length > 0,
    ),
    session: combineSessionRevocation(rules),
  };
}

function combineExtension(
  extensions: readonly ExtensionRequirement[],
  someoneCanApprove: boolean,
): ExtensionRequirement {
  const requiresApproval = extensions.some((extension) => extension.requiresApproval);
  // An extension nobody could approve is no extension at all.
  const allowed = extensions.every((extension) => extension.allowed) && (!requiresApproval || someoneCanApprove);
  return { allowed, requiresApproval };
}

/** Why no approver could ever satisfy this requirement, or null when some could; `requesterEmail` is excluded from named approvers. */
function unapprovableReason(approval: ApprovalRequirement, requesterEmail?: string): string | null {
  if (approval.auto) return null;
  const requesterKey = requesterEmail === undefined ? "" : emailKey(requesterEmail);
  const otherUsers = approval.approverUsers.filter((user) => user !== requesterKey);
  if (approval.approverGroups.length === 0 && otherUsers.length === 0)
    return "The policy rules that apply share no approver, so nobody could approve this. Ask the security team to fix the policy, or request the targets separately.";
  if (approval.distinctGroups && approval.approverGroups.length < approval.required) {
    return `This needs ${approval.required} approvals from different groups but only ${approval.approverGroups.length} approver group(s) apply to all of it. Request the targets separately.`;
  }
  if (approval.approverGroups.length === 0 && otherUsers.length < approval.required) {
    return `This needs ${approval.required} approvals but only ${otherUsers.length} named approver(s) other than you apply to all of it. Request the targets separately.`;
  }
  return null;
}

function targetLabel(target: PolicyTarget): string {
  if (target.identityCenterGroup !== undefined) return `membership of ${target.identityCenterGroup}`;
  return `${target.permissionSetName} on ${target.account.id}`;
}

export function findDenyRule(policy: PolicyDocument, requester: Requester, target: PolicyTarget): DenyRule | undefined {
  return policy.deny.find((rule) => requesterMatches(rule.requesters, requester) && ruleCoversTarget(rule, target));
}

/** Whether any rule, allow, deny or break-glass, names this target for anyone: the reconciler watches exactly these for drift. */
export function policyMentionsTarget(policy: PolicyDocument, target: PolicyTarget): boolean {
  return [...allowRulesOf(policy), ...policy.deny, ...policy.breakGlass].some((rule) => ruleCoversTarget(rule, target));
}

/** One (account, permission set) for one requester: explicit deny wins, no matching rule denies, several matching rules all apply. */
export function evaluateTarget(policy: PolicyDocument, requester: Requester, target: PolicyTarget): TargetVerdict {
  const deny = findDenyRule(policy, requester, target);
  if (deny) return { allowed: false, reason: deny.reason, denyRuleId: deny.id };
  const rules = allowRulesOf(policy).filter(
    (rule) => requesterMatches(rule.requesters, requester) && ruleCoversTarget(rule, target),
  );
  if (rules.length === 0) return { allowed: false, reason: `No policy rule lets you request ${targetLabel(target)}.` };
  const requirements = combineRules(rules);
  const unapprovable = unapprovableReason(requirements.approval, requester.email);
  if (unapprovable) return { allowed: false, reason: unapprovable };
  return { allowed: true, ruleIds: rules.map((rule) => rule.id), ...requirements };
}

// ---------------------------------------------------------------------------------------------------------------------------
// Requests

export interface RequestDecision {
  ruleIds: string[];
  /** The smallest maximum across targets. */
  maxDurationMinutes: number;
  ticket: TicketRequirement;
  /** Only when every target is auto-approved. */
  autoApprove: boolean;
  /** 0 when autoApprove; otherwise the largest requirement across targets. */
  requiredApprovals: number;
  distinctGroups: boolean;
  /** An approver must be eligible for every target: the intersection across targets. */
  approverGroups: string[];
  /** Named approvers (lowercased emails) eligible for every target; they never count toward distinctGroups. */
  approverUsers: string[];
  extension: ExtensionRequirement;
  /** Per target, in the order given: whether its live AWS sessions are cut when the grant ends. */
  revokeSessionsOnEnd: boolean[];
}

export type RequestVerdict =
  | { ok: true; decision: RequestDecision }
  | {
      ok: false;
      code: Extract<AppErrorCode, "POLICY_DENIED" | "VALIDATION">;
      message: string;
      fieldErrors: FieldErrors;
    };

export interface RequestOptions {
  durationMinutes: number;
  ticket?: string | undefined;
}

/** The decision for a whole request: every target must be allowed, and the strictest requirement across targets applies. */
export function evaluateRequest(
  policy: PolicyDocument,
  requester: Requester,
  targets: readonly PolicyTarget[],
  options: RequestOptions,
): RequestVerdict {
  if (targets.length === 0)
    return {
      ok: false,
      code: "VALIDATION",
      message: "Pick at least one account and permission set.",
      fieldErrors: { targets: ["Pick at least one account and permission set."] },
    };

  const denials: string[] = [];
  const allowed: AllowedTarget[] = [];
  for (const target of targets) {
    const verdict = evaluateTarget(policy, requester, target);
    if (verdict.allowed) allowed.push(verdict);
    else denials.push(`${targetLabel(target)}: ${verdict.reason}`);
  }
  if (denials.length > 0)
    return {
      ok: false,
      code: "POLICY_DENIED",
      message: "The access policy does not allow part of this request.",
      fieldErrors: { targets: denials },
    };

  const decision = combineTargets(allowed);
  const unapprovable = unapprovableReason(
    {
      auto: decision.autoApprove,
      approverGroups: decision.approverGroups,
      approverUsers: decision.approverUsers,
      required: decision.requiredApprovals,
      distinctGroups: decision.distinctGroups,
    },
    requester.email,
  );
  if (unapprovable)
    return { ok: false, code: "POLICY_DENIED", message: unapprovable, fieldErrors: { targets: [unapprovable] } };

  const fieldErrors: FieldErrors = {};
  const durationProblem = checkDuration(options.durationMinutes, decision.maxDurationMinutes);
  if (durationProblem) fieldErrors.durationMinutes = [durationProblem];
  const shortWindow = checkWindowAgainstSessions(targets, allowed, options.durationMinutes);
  if (shortWindow.length > 0) fieldErrors.durationMinutes = [...(fieldErrors.durationMinutes ?? []), ...shortWindow];
  const ticketProblems = checkTicket(decision.ticket, options.ticket);
  if (ticketProblems.length > 0) fieldErrors.ticket = ticketProblems;
  if (Object.keys(fieldErrors).length > 0)
    return { ok: false, code: "VALIDATION", message: "Some fields need attention.", fieldErrors };
  return { ok: true, decision };
}

function combineTargets(targets: readonly AllowedTarget[]): RequestDecision {
  const nonAuto = targets.filter((target) => !target.approval.auto);
  const autoApprove = nonAuto.length === 0;
  // Auto-approved targets whose rules name no approvers impose no routing; every other target must route to the approver.
  const routed = targets.filter(
    (target) => target.approval.approverGroups.length + target.approval.approverUsers.length > 0,
  );
  const { groups: approverGroups, users: approverUsers } = intersectRoutes(
    routed.map((target) => ({ groups: target.approval.approverGroups, users: target.approval.approverUsers })),
  );
  return {
    ruleIds: [...new Set(targets.flatMap((target) => target.ruleIds))],
    maxDurationMinutes: Math.min(...targets.map((target) => target.maxDurationMinutes)),
    ticket: {
      required: targets.some((target) => target.ticket.required),
      patterns: [...new Set(targets.flatMap((target) => target.ticket.patterns))],
      examples: [...new Set(targets.flatMap((target) => target.ticket.examples))],
    },
    autoApprove,
    requiredApprovals: autoApprove ? 0 : Math.max(...nonAuto.map((target) => target.approval.required)),
    distinctGroups: nonAuto.some((target) => target.approval.distinctGroups),
    approverGroups,
    approverUsers,
    extension: combineExtension(
      targets.map((target) => target.extension),
      approverGroups.length + approverUsers.length > 0,
    ),
    revokeSessionsOnEnd: targets.map((target) => target.session.revocation === "deny-on-end"),
  };
}

/** A session outliving an uncut window, where a rule refuses that: one message per target, with the rule's reason. */
function checkWindowAgainstSessions(
  targets: readonly PolicyTarget[],
  allowed: readonly AllowedTarget[],
  durationMinutes: number,
): string[] {
  return targets.flatMap((target, index) => {
    const session = allowed[index]!.session;
    const sessionMinutes = target.sessionDurationMinutes;
    if (session.shortWindowRefusals.length === 0 || !sessionMinutes || durationMinutes >= sessionMinutes) return [];
    return [
      `${targetLabel(target)}: an AWS session lasts ${formatMinutes(sessionMinutes)} and is not cut when access ends, so ask for at least that long. ${session.shortWindowRefusals.join(" ")}`,
    ];
  });
}

/** Form messages for a ticket against the combined requirement; empty when it is fine. */
export function checkTicket(requirement: TicketRequirement, ticket: string | undefined): string[] {
  const given = ticket ?? "";
  const format = describeTicketFormat(requirement);
  if (given.trim() === "")
    return requirement.required ? [format ? `A ticket is required, ${format}.` : "A ticket is required."] : [];
  if (given.length > MAX_TICKET_LENGTH) return [`A ticket reference is at most ${MAX_TICKET_LENGTH} characters.`];
  const mismatched = requirement.patterns.filter((pattern) => !ticketMatches(pattern, given));
  if (mismatched.length === 0) return [];
  if (requirement.examples.length > 0) return [`This ticket does not have the expected form; write it ${format}.`];
  return mismatched.map((pattern) => `The ticket must match ${pattern}.`);
}

// ---------------------------------------------------------------------------------------------------------------------------
// The request form

export interface EligibleTarget<A extends TargetAccount, P extends { name: string }> {
  account: A;
  permissionSet: P;
  ruleIds: string[];
  maxDurationMinutes: number;
  /** Human-readable, e.g. "4 h". */
  maxDurationLabel: string;
  ticket: TicketRequirement;
  autoApprove: boolean;
  requiredApprovals: number;
  session: SessionRequirement;
}

/** Every (account, permission set) the requester may ask for, with what each one requires. */
export function eligibleTargets<A extends TargetAccount, P extends { name: string }>(
  policy: PolicyDocument,
  requester: Requester,
  accounts: readonly A[],
  permissionSets: readonly P[],
): EligibleTarget<A, P>[] {
  const eligible: EligibleTarget<A, P>[] = [];
  // evaluateTarget allows nothing no requester rule covers, so 100k pairs at organization scale skip it cheaply.
  const requesterRules = policy.rules.filter((rule) => requesterMatches(rule.requesters, requester));
  for (const account of accounts) {
    const accountRules = requesterRules.filter((rule) => accountMatches(rule.accounts, account));
    if (accountRules.length === 0) continue;
    for (const permissionSet of permissionSets) {
      if (!accountRules.some((rule) => permissionSetMatches(rule.permissionSets, permissionSet.name))) continue;
      const verdict = evaluateTarget(policy, requester, { account, permissionSetName: permissionSet.name });
      if (!verdict.allowed) continue;
      eligible.push({
        account,
        permissionSet,
        ruleIds: verdict.ruleIds,
        maxDurationMinutes: verdict.maxDurationMinutes,
        maxDurationLabel: formatMinutes(verdict.maxDurationMinutes),
        ticket: verdict.ticket,
        autoApprove: verdict.approval.auto,
        requiredApprovals: verdict.approval.required,
        session: verdict.session,
      });
    }
  }
  return eligible;
}

// ---------------------------------------------------------------------------------------------------------------------------
// Approvals

export interface RequestForApproval {
  requesterId: string;
  requesterEmail: string;
  targets: readonly PolicyTarget[];
  decisions: readonly ApprovalDecisionRecord[];
  /** The rules the request was decided under (its matchedRuleId); without them routing uses every rule covering each target. */
  ruleIds?: readonly string[];
  /** Escalated requests also route to the rules' escalation approvers. */
  escalated?: boolean;
}

export type ApproveVerdict =
  | { ok: true; viaGroups: string[]; viaUser: boolean }
  | { ok: false; code: Extract<AppErrorCode, "SELF_APPROVAL" | "CONFLICT" | "FORBIDDEN">; reason: string };

/**
 * May this person decide (approve or deny) this request? Never the requester (by id or look-alike email), never twice,
 * and only through a group or a named user routed by every applicable rule of every target.
 */
export function canApprove(policy: PolicyDocument, approver: Approver, request: RequestForApproval): ApproveVerdict {
  const sameUser = approver.userId !== "" && approver.userId === request.requesterId;
  if (sameUser || emailsLookAlike(approver.email, request.requesterEmail))
    return { ok: false, code: "SELF_APPROVAL", reason: "Nobody can approve or deny their own request." };
  if (request.decisions.some((decision) => decision.approverId === approver.userId))
    return { ok: false, code: "CONFLICT", reason: "You already decided on this request." };
  const routed = approverRoutesForRequest(policy, request.targets, request.ruleIds, request.escalated);
  const viaGroups = routed.groups.filter((group) => approver.groups.includes(group));
  const approverKey = emailKey(approver.email);
  const viaUser = approverKey !== "" && routed.users.includes(approverKey);
  if (viaGroups.length === 0 && !viaUser)
    return { ok: false, code: "FORBIDDEN", reason: "You are not an approver for this request." };
  return { ok: true, viaGroups, viaUser };
}

export interface Revoker extends Approver {
  isAdmin: boolean;
}

export type RevokeVerdict = { ok: true } | { ok: false; code: Extract<AppErrorCode, "FORBIDDEN">; reason: string };

/** Who may take access away early: admins and the approvers routed for the request (as canApprove routes them), never the requester, who releases instead. */
export function canRevoke(
  policy: PolicyDocument,
  revoker: Revoker,
  request: Omit<RequestForApproval, "decisions">,
): RevokeVerdict {
  const verdict = canApprove(policy, revoker, { ...request, decisions: [] });
  if (!verdict.ok && verdict.code === "SELF_APPROVAL")
    return { ok: false, code: "FORBIDDEN", reason: "You cannot revoke your own access: release it instead." };
  if (verdict.ok || revoker.isAdmin) return { ok: true };
  return { ok: false, code: "FORBIDDEN", reason: "You are not an approver for this request." };
}

/** Used when neither a matched rule nor the policy defaults name an approval window: one day. */
export const DEFAULT_APPROVAL_WINDOW_MINUTES = 1440;

/** How long a request made under these rules waits for approval: the shortest window its rules set, else the policy default. */
export function approvalWindowMinutes(policy: PolicyDocument, ruleIds: readonly string[]): number {
  const windows = allowRulesOf(policy)
    .filter((rule) => ruleIds.includes(rule.id))
    .flatMap((rule) => (rule.approval.expiryMinutes === undefined ? [] : [rule.approval.expiryMinutes]));
  return windows.length > 0
    ? Math.min(...windows)
    : (policy.defaults?.pendingApprovalExpiryMinutes ?? DEFAULT_APPROVAL_WINDOW_MINUTES);
}

/** The approvers routed for a request: the intersection (per kind) over every applicable rule with approvers of every target. */
export function approverRoutesForRequest(
  policy: PolicyDocument,
  targets: readonly PolicyTarget[],
  ruleIds?: readonly string[],
  escalated = false,
): ApproverRoute {
  const nobody: ApproverRoute = { groups: [], users: [] };
  if (targets.length === 0) return nobody;
  const routes: ApproverRoute[] = [];
  for (const target of targets) {
    const rules = allowRulesOf(policy).filter(
      (rule) => (ruleIds === undefined || ruleIds.includes(rule.id)) && ruleCoversTarget(rule, target),
    );
    // A target no rule covers has no approver, so nobody can approve the request.
    if (rules.length === 0) return nobody;
    for (const rule of rules) {
      const route = approverRoute(rule, escalated);
      if (route) routes.push(route);
    }
  }
  return intersectRoutes(routes);
}

/** The approver groups routed for a request (see approverRoutesForRequest). */
export function approverGroupsForRequest(
  policy: PolicyDocument,
  targets: readonly PolicyTarget[],
  ruleIds?: readonly string[],
): string[] {
  return approverRoutesForRequest(policy, targets, ruleIds).groups;
}

export interface QuorumPolicy {
  required: number;
  distinctGroups: boolean;
  /** When given, viaGroups outside it are ignored for distinctGroups matching (defence against stale rows). */
  approverGroups?: readonly string[];
}

export interface QuorumCount {
  approvals: number;
  required: number;
  satisfied: boolean;
  denied: boolean;
}

/**
 * Counts approvals recorded through canApprove (the gate for who may decide): any DENY ends the request; each approver counts
 * once; with distinctGroups every approval is assigned to one group it came through and no group is used twice (maximum
 * bipartite matching), so approvals by named users alone never satisfy distinctGroups.
 */
export function countQuorum(policy: QuorumPolicy, decisions: readonly ApprovalDecisionRecord[]): QuorumCount {
  // Below one would let a corrupt row approve itself with zero approvals.
  const required = Number.isFinite(policy.required)
    ? Math.max(1, Math.ceil(policy.required))
    : Number.POSITIVE_INFINITY;
  const denied = decisions.some((decision) => decision.decision === "DENY");
  const groupsByApprover = new Map<string, Set<string>>();
  for (const decision of decisions) {
    if (decision.decision !== "APPROVE") continue;
    const groups = groupsByApprover.get(decision.approverId) ?? new Set<string>();
    for (const group of decision.viaGroups)
      if (!policy.approverGroups || policy.approverGroups.includes(group)) groups.add(group);
    groupsByApprover.set(decision.approverId, groups);
  }
  const approvals = policy.distinctGroups
    ? maximumMatching([...groupsByApprover.values()].map((groups) => [...groups]))
    : groupsByApprover.size;
  return { approvals, required, satisfied: !denied && approvals >= required, denied };
}

// Kuhn's augmenting paths: tiny inputs (a handful of approvers), and unlike a greedy pass it never strands a group.
function maximumMatching(groupsPerApprover: readonly string[][]): number {
  const approverByGroup = new Map<string, number>();
  const tryAssign = (approver: number, visited: Set<string>): boolean => {
    for (const group of groupsPerApprover[approver] ?? []) {
      if (visited.has(group)) continue;
      visited.add(group);
      const holder = approverByGroup.get(group);
      if (holder === undefined || tryAssign(holder, visited)) {
        approverByGroup.set(group, approver);
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  for (let approver = 0; approver < groupsPerApprover.length; approver += 1)
    if (tryAssign(approver, new Set())) matched += 1;
  return matched;
}

/** Whether a request made under these rules escalates, and when: the earliest afterMinutes any of them sets. */
export function escalationFor(
  policy: PolicyDocument,
  ruleIds: readonly string[],
): { afterMinutes: number | undefined } | null {
  const escalations = allowRulesOf(policy)
    .filter((rule) => ruleIds.includes(rule.id) && rule.approval.escalation)
    .map((rule) => rule.approval.escalation!);
  if (escalations.length === 0) return null;
  const minutes = escalations.flatMap((e) => (e.afterMinutes === undefined ? [] : [e.afterMinutes]));
  return { afterMinutes: minutes.length > 0 ? Math.min(...minutes) : undefined };
}

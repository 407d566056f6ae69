import { z } from "zod";
import { safeText } from "./safe-text";
import { ticketMatches, ticketPatternProblem } from "./ticket-pattern";
import { MAX_DURATION_MINUTES, MIN_DURATION_MINUTES } from "./time-window";

/** Matches everything in a selector list; must be written out, and alone, so "everything" is never an accident. */
export const WILDCARD = "*";

const RULE_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const ACCOUNT_ID = /^\d{12}$/;
const OU_OR_ROOT_ID = /^(?:ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/;
const PERMISSION_SET_NAME = /^[\w+=,.@-]{1,32}$/;
// ASCII only: look-alike Unicode addresses must not match a rule written for someone else.
const EMAIL = /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const quotedString = (what: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${what} is missing` : `${what} must be a quoted string`),
  });

const GroupName = quotedString("a group name")
  .min(1, "a group name cannot be empty")
  .max(256, "a group name is at most 256 characters")
  .refine((name) => name.trim() === name, "a group name must not start or end with spaces")
  .refine((name) => !CONTROL_CHARACTERS.test(name), "a group name must not contain control characters")
  .refine(
    (name) => name === WILDCARD || !/[*?!]/.test(name),
    'group names are exact: no partial wildcards or negation ("team-*", "!team"); use "*" alone for everyone',
  );

const ApproverGroupName = GroupName.refine(
  (name) => name !== WILDCARD,
  'approvers must be named groups; "*" would let anyone approve',
);

/**
 * An Identity Center group's display name as the Identity Store holds it; never "*": a group target or selector names
 * one group. Checked against the Identity Store when the worker loads the policy.
 */
const IdentityCenterGroupName = quotedString("an Identity Center group name")
  .min(1, "a group name cannot be empty")
  .max(1024, "an Identity Center group name is at most 1024 characters")
  .refine((name) => name.trim() === name, "a group name must not start or end with spaces")
  .refine((name) => !CONTROL_CHARACTERS.test(name), "a group name must not contain control characters")
  .refine((name) => !/[*?!]/.test(name), "Identity Center groups are named exactly: no wildcards or negation");

/**
 * How an Identity Center group a person belongs to appears among their groups when rules are evaluated. "!" never
 * occurs in a policy's IdP group name, and IdP claims starting with it are dropped (see withIdentityCenterGroups).
 */
export const IDENTITY_CENTER_GROUP_PREFIX = "!identity-center:";
export const identityCenterGroupKey = (displayName: string) => `${IDENTITY_CENTER_GROUP_PREFIX}${displayName}`;

const Email = quotedString("an email")
  .max(320, "an email is at most 320 characters")
  .regex(EMAIL, "must be a plain email address (ASCII), e.g. alice@example.com");

const AccountIdOrWildcard = quotedString("an account id").refine(
  (id) => id === WILDCARD || ACCOUNT_ID.test(id),
  'must be a 12-digit AWS account id in quotes (e.g. "012345678901") or "*"',
);

const OuId = quotedString("an OU id").regex(
  OU_OR_ROOT_ID,
  'must be an organizational unit id ("ou-abcd-12345678") or a root id ("r-abcd")',
);

const PermissionSetNameOrWildcard = quotedString("a permission set name").refine(
  (name) => name === WILDCARD || PERMISSION_SET_NAME.test(name),
  'must be a permission set name (letters, digits, +=,.@_-, up to 32) or "*"',
);

const mapping = (what: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? `${what} is missing` : `${what} must be a mapping of keys to values`,
});

/**
 * A list without duplicates where "*", if present, is the only entry. It may be empty (`users: []`) only where the enclosing
 * selector checks that it names someone or something overall (see `namesSomething`).
 */
function selectorList<T extends z.ZodType<string>>(
  item: T,
  what: string,
  { minimum = 0, keyOf = (entry: string) => entry } = {},
) {
  return z
    .array(item, { error: (issue) => (issue.input === undefined ? `list the ${what}` : `must be a list of ${what}`) })
    .min(minimum, `must list at least one of the ${what} (use "*" for all)`)
    .max(1000, `at most 1000 ${what}`)
    .superRefine((entries, ctx) => {
      const list: readonly string[] = entries;
      if (list.includes(WILDCARD) && list.length > 1)
        ctx.addIssue({ code: "custom", message: '"*" already means all: write it alone' });
      const seen = new Set<string>();
      list.forEach((entry, index) => {
        if (seen.has(keyOf(entry)))
          ctx.addIssue({ code: "custom", path: [index], message: `"${entry}" is listed twice` });
        seen.add(keyOf(entry));
      });
    });
}

// Empty lists are allowed for readability (`users: []`), but a selector whose lists are all empty or missing is an error.
const namesSomething = (...lists: (readonly string[] | undefined)[]) =>
  lists.some((list) => list !== undefined && list.length > 0);

/** Emails compare case-insensitively (ASCII letters only); the same folding is used when matching, see policy.ts. */
export const emailKey = (email: string) => email.trim().replace(/[A-Z]/g, (letter) => letter.toLowerCase());

export const RequesterSelector = z
  .strictObject(
    {
      /** IdP groups, matched exactly (case-sensitive); ["*"] means any signed-in user. */
      groups: selectorList(GroupName, "groups").optional(),
      /** Emails, matched case-insensitively. */
      users: selectorList(Email, "users", { keyOf: emailKey }).optional(),
      /** Identity Center groups (display names), resolved through the Identity Store, not the IdP's claims. */
      identityCenterGroups: selectorList(IdentityCenterGroupName, "Identity Center groups").optional(),
    },
    mapping("requesters"),
  )
  .refine(
    (selector) => namesSomething(selector.groups, selector.users, selector.identityCenterGroups),
    'say who: list at least one group or user (groups: ["*"] for everyone)',
  );
export type RequesterSelector = z.infer<typeof RequesterSelector>;

export const AccountSelector = z
  .strictObject(
    {
      ids: selectorList(AccountIdOrWildcard, "account ids").optional(),
      /** An OU matches every account anywhere beneath it. */
      ous: selectorList(OuId, "OU ids").optional(),
    },
    mapping("accounts"),
  )
  .refine(
    (selector) => namesSomething(selector.ids, selector.ous),
    'say which accounts: list at least one account id or OU (ids: ["*"] for all)',
  );
export type AccountSelector = z.infer<typeof AccountSelector>;

const PermissionSetSelector = selectorList(PermissionSetNameOrWildcard, "permission sets", { minimum: 1 });

const RuleId = quotedString("a rule id").regex(
  RULE_ID,
  "must be lowercase kebab-case (a-z, 0-9, -), at most 64 characters",
);

const Duration = z
  .number({ error: "must be a number of minutes" })
  .int("must be whole minutes")
  .min(MIN_DURATION_MINUTES, `must be at least ${MIN_DURATION_MINUTES} minute${MIN_DURATION_MINUTES === 1 ? "" : "s"}`)
  .max(MAX_DURATION_MINUTES, `must be at most ${MAX_DURATION_MINUTES} minutes (30 days)`);

export const MAX_TICKET_HINT_LENGTH = 40;

export const TicketRule = z
  .strictObject(
    {
      required: z.boolean({ error: "must be true or false" }),
      /** Matched against the whole ticket; a supplied ticket must match even when not required. */
      pattern: z
        .string({ error: "must be a quoted regular expression" })
        .superRefine((pattern, ctx) => {
          const problem = ticketPatternProblem(pattern);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .optional(),
      /** An example ticket shown to requesters instead of the pattern, e.g. "PAY-1234"; it must match the pattern. */
      hint: safeText("line")
        .min(1, "must not be empty")
        .max(MAX_TICKET_HINT_LENGTH, `must be at most ${MAX_TICKET_HINT_LENGTH} characters`)
        .optional(),
    },
    mapping("ticket"),
  )
  .superRefine((rule, ctx) => {
    // An example the pattern refuses would teach requesters the wrong format.
    if (rule.hint !== undefined && rule.pattern !== undefined && !ticketPatternProblem(rule.pattern))
      if (!ticketMatches(rule.pattern, rule.hint))
        ctx.addIssue({ code: "custom", path: ["hint"], message: "must be an example that matches the pattern" });
  });
export type TicketRule = z.infer<typeof TicketRule>;

export const ApproverSelector = z
  .strictObject(
    {
      /** IdP groups, matched exactly; "*" is not allowed. */
      groups: selectorList(ApproverGroupName, "approver groups").optional(),
      /** Named approvers by email (case-insensitive); they never count toward distinctGroups. */
      users: selectorList(Email, "approver users", { keyOf: emailKey }).optional(),
      /** Identity Center groups (display names); each counts as a group of its own for distinctGroups. */
      identityCenterGroups: selectorList(IdentityCenterGroupName, "Identity Center approver groups").optional(),
    },
    mapping("approvers"),
  )
  .refine(
    (selector) => namesSomething(selector.groups, selector.users, selector.identityCenterGroups),
    "name at least one approver group or user",
  );
export type ApproverSelector = z.infer<typeof ApproverSelector>;

// Slack channel as written in a rule: "#name" (lowercase, as Slack allows) or a channel id.
const SlackChannel = quotedString("a Slack channel").regex(
  /^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,20})$/,
  'must be "#channel-name" (lowercase) or a channel id such as "C0123456789"',
);

export const EscalationRule = z.strictObject(
  {
    /** Minutes after the request was made; default three quarters of the approval window. */
    afterMinutes: z
      .number({ error: "must be a number of minutes" })
      .int("must be whole minutes")
      .min(1, "must be at least 1 minute")
      .max(MAX_DURATION_MINUTES, "must be at most 30 days")
      .optional(),
    /** Who may also decide once the request is escalated, and who is told. */
    approvers: ApproverSelector,
  },
  mapping("escalation"),
);
export type EscalationRule = z.infer<typeof EscalationRule>;

/** Where a rule's notifications go; unset parts fall back to the settings (SLACK_APPROVALS_CHANNEL, MAIL_APPROVALS_TO). */
export const NotifyRule = z.strictObject(
  {
    slackChannel: SlackChannel.optional(),
    /** Mail lists that receive this rule's approval requests, besides each routed approver. */
    emails: selectorList(Email, "emails", { keyOf: emailKey }).optional(),
    /** How long before the end the requester is told (with an extend action). */
    endingNoticeMinutes: z
      .number({ error: "must be a number of minutes" })
      .int("must be whole minutes")
      .min(1, "must be at least 1 minute")
      .max(1440, "must be at most 1440 minutes")
      .default(10),
  },
  mapping("notify"),
);
export type NotifyRule = z.infer<typeof NotifyRule>;

export const ApprovalRule = z.strictObject(
  {
    auto: z.boolean({ error: "must be true or false" }),
    /** Who approves (and approves extensions); required unless auto. With auto, only extensions are routed to them. */
    approvers: ApproverSelector.optional(),
    required: z
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(10, "must be at most 10")
      .default(1),
    /** The approvals must come from this many different approver groups. */
    distinctGroups: z.boolean({ error: "must be true or false" }).default(false),
    /** How long a pending request waits for its approvals; the shortest of the matched rules wins, else defaults.pendingApprovalExpiryMinutes. */
    expiryMinutes: z
      .number({ error: "must be a number of minutes" })
      .int("must be whole minutes")
      .min(5, "must be at least 5 minutes")
      .max(MAX_DURATION_MINUTES, "must be at most 30 days")
      .optional(),
    /** Who is asked, and may then decide, when nobody has decided by afterMinutes. */
    escalation: EscalationRule.optional(),
  },
  mapping("approval"),
);
export type ApprovalRule = z.infer<typeof ApprovalRule>;

export const ExtensionRule = z.strictObject(
  {
    allowed: z.boolean({ error: "must be true or false" }),
    requiresApproval: z.boolean({ error: "must be true or false" }).default(true),
  },
  mapping("extension"),
);
export type ExtensionRule = z.infer<typeof ExtensionRule>;

export const AllowRule = z
  .strictObject(
    {
      id: RuleId,
      description: z.string().max(1000).optional(),
      requesters: RequesterSelector,
      accounts: AccountSelector,
      permissionSets: PermissionSetSelector,
      maxDurationMinutes: Duration,
      ticket: TicketRule.default({ required: false }),
      approval: ApprovalRule,
      extension: ExtensionRule.default({ allowed: false, requiresApproval: true }),
      notify: NotifyRule.default({ endingNoticeMinutes: 10 }),
      /** deny-on-end: live AWS sessions are cut when the grant ends; off: they run until the permission set's session duration is over. */
      sessionRevocation: z
        .enum(["deny-on-end", "off"], { error: 'must be "deny-on-end" or "off"' })
        .default("deny-on-end"),
      /** Only with sessionRevocation off: refuse a window shorter than the permission set's session duration, with this reason. */
      refuseWindowShorterThanSession: z
        .string({ error: "must be the reason shown to the requester, in quotes" })
        .trim()
        .min(1, "say why (shown to the requester)")
        .max(500, "at most 500 characters")
        .optional(),
    },
    mapping("a rule"),
  )
  .superRefine((rule, ctx) => {
    const { auto, approvers, required, distinctGroups } = rule.approval;
    const groups = [...(approvers?.groups ?? []), ...(approvers?.identityCenterGroups ?? [])];
    const users = approvers?.users ?? [];
    const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (!auto && !approvers) issue(["approval", "approvers"], "name the approver groups or users, or set auto: true");
    // Contradictory: auto-approval asks nobody, so a quorum can only mean the author expected approvals.
    if (auto && required > 1)
      issue(["approval", "required"], "auto-approval needs no approvals: remove required, or set auto: false");
    if (auto && distinctGroups)
      issue(
        ["approval", "distinctGroups"],
        "auto-approval needs no approvals: remove distinctGroups, or set auto: false",
      );
    if (auto && rule.approval.expiryMinutes !== undefined)
      issue(
        ["approval", "expiryMinutes"],
        "an auto-approved request never waits for approval: remove expiryMinutes, or set auto: false",
      );
    if (!auto && distinctGroups && required > groups.length) {
      issue(
        ["approval", "required"],
        `${required} approvals from distinct groups cannot come from ${groups.length} approver group(s) (named users do not count as groups)`,
      );
    }
    if (!auto && !distinctGroups && approvers && groups.length === 0 && required > users.length) {
      issue(["approval", "required"], `${required} approvals cannot come from ${users.length} named approver(s)`);
    }
    if (auto && rule.approval.escalation)
      issue(["approval", "escalation"], "an auto-approved request never waits: remove escalation, or set auto: false");
    const escalateAfter = rule.approval.escalation?.afterMinutes;
    if (
      escalateAfter !== undefined &&
      rule.approval.expiryMinutes !== undefined &&
      escalateAfter >= rule.approval.expiryMinutes
    )
      issue(["approval", "escalation", "afterMinutes"], "must be before the request expires (approval.expiryMinutes)");
    if (rule.refuseWindowShorterThanSession !== undefined && rule.sessionRevocation !== "off")
      issue(
        ["refuseWindowShorterThanSession"],
        "only applies with sessionRevocation: off (with deny-on-end a session is cut when the access ends)",
      );
    if (rule.extension.allowed && rule.extension.requiresApproval && !approvers) {
      issue(["extension", "requiresApproval"], "extensions that need approval need approval.approvers");
    }
  });
export type AllowRule = z.infer<typeof AllowRule>;

export const DenyRule = z.strictObject(
  {
    id: RuleId,
    description: z.string().max(1000).optional(),
    requesters: RequesterSelector,
    accounts: AccountSelector,
    permissionSets: PermissionSetSelector,
    /** Shown to the requester. */
    reason: z
      .string({ error: "say why (shown to the requester)" })
      .trim()
      .min(1, "say why (shown to the requester)")
      .max(500),
  },
  mapping("a deny rule"),
);
export type DenyRule = z.infer<typeof DenyRule>;

/**
 * Temporary membership of Identity Center groups instead of an account x permission set assignment. A group rule names
 * groups only (no accounts or permission sets); everything else reads as in an allow rule. AWS sessions opened through
 * the group are not cut when the membership ends (no session revocation for group targets).
 */
export const GroupRule = z
  .strictObject(
    {
      id: RuleId,
      description: z.string().max(1000).optional(),
      requesters: RequesterSelector,
      /** The Identity Center groups (display names, exact) a requester may join for a while. */
      identityCenterGroups: selectorList(IdentityCenterGroupName, "Identity Center groups", { minimum: 1 }),
      maxDurationMinutes: Duration,
      ticket: TicketRule.default({ required: false }),
      approval: ApprovalRule,
      extension: ExtensionRule.default({ allowed: false, requiresApproval: true }),
      notify: NotifyRule.default({ endingNoticeMinutes: 10 }),
    },
    mapping("a group rule"),
  )
  .superRefine((rule, ctx) => {
    // The approval, extension and escalation checks are the allow rule's, run on the same fields.
    const fields: Record<string, unknown> = { ...rule };
    delete fields.identityCenterGroups;
    const asAllowRule = AllowRule.safeParse({
      ...fields,
      accounts: { ids: [WILDCARD] },
      permissionSets: [WILDCARD],
      sessionRevocation: "off",
    });
    if (!asAllowRule.success)
      for (const issue of asAllowRule.error.issues)
        ctx.addIssue({ code: "custom", path: issue.path as PropertyKey[], message: issue.message });
  });
export type GroupRule = z.infer<typeof GroupRule>;

export const PolicyDefaults = z.strictObject(
  {
    pendingApprovalExpiryMinutes: z
      .number({ error: "must be a number of minutes" })
      .int("must be whole minutes")
      .min(5, "must be at least 5 minutes")
      .max(MAX_DURATION_MINUTES, "must be at most 30 days")
      .default(1440),
  },
  mapping("defaults"),
);
export type PolicyDefaults = z.infer<typeof PolicyDefaults>;

// ---------------------------------------------------------------------------------------------------------------------------
// Break-glass: emergency access granted at once, reviewed afterwards (evaluated in break-glass.ts)

/** Emergency access is short on purpose; a longer emergency is a normal request. */
export const MAX_BREAK_GLASS_MINUTES = 240;

export const IncidentRule = z
  .strictObject(
    {
      /** Matched against the whole incident reference; an incident is always required. */
      pattern: z.string({ error: "must be a quoted regular expression" }).superRefine((pattern, ctx) => {
        const problem = ticketPatternProblem(pattern);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
      /** An example incident reference shown instead of the pattern, e.g. "INC-1234"; it must match the pattern. */
      hint: safeText("line")
        .min(1, "must not be empty")
        .max(MAX_TICKET_HINT_LENGTH, `must be at most ${MAX_TICKET_HINT_LENGTH} characters`)
        .optional(),
    },
    mapping("incident"),
  )
  .superRefine((rule, ctx) => {
    if (rule.hint !== undefined && !ticketPatternProblem(rule.pattern) && !ticketMatches(rule.pattern, rule.hint))
      ctx.addIssue({ code: "custom", path: ["hint"], message: "must be an example that matches the pattern" });
  });
export type IncidentRule = z.infer<typeof IncidentRule>;

export const BreakGlassRule = z.strictObject(
  {
    id: RuleId,
    description: z.string().max(1000).optional(),
    /** Who may break glass: IdP groups or users, as for requesters. */
    requesters: RequesterSelector,
    accounts: AccountSelector,
    permissionSets: PermissionSetSelector,
    maxDurationMinutes: z
      .number({ error: "must be a number of minutes" })
      .int("must be whole minutes")
      .min(
        MIN_DURATION_MINUTES,
        `must be at least ${MIN_DURATION_MINUTES} minute${MIN_DURATION_MINUTES === 1 ? "" : "s"}`,
      )
      .max(
        MAX_BREAK_GLASS_MINUTES,
        `must be at most ${MAX_BREAK_GLASS_MINUTES} minutes: emergency access is short, use a normal rule for longer work`,
      ),
    incident: IncidentRule,
  },
  mapping("a break-glass rule"),
);
export type BreakGlassRule = z.infer<typeof BreakGlassRule>;

// ---------- Scorecard: permission sets counted as privileged ----------

/** Permission set names the scorecard counts as privileged whatever their attached policies; exact names, no wildcard. */
export const PrivilegedPermissionSets = z
  .array(
    quotedString("a permission set name").regex(
      PERMISSION_SET_NAME,
      "must be a permission set name (letters, digits, +=,.@_-, up to 32); no wildcards",
    ),
    { error: "must be a list of permission set names" },
  )
  .max(1000, "at most 1000 permission sets")
  .superRefine((names, ctx) => {
    const seen = new Set<string>();
    names.forEach((name, index) => {
      if (seen.has(name)) ctx.addIssue({ code: "custom", path: [index], message: `"${name}" is listed twice` });
      seen.add(name);
    });
  });

/** The access policy: allow rules (all matching rules apply), explicit deny rules (always win), deny by default. */
export const PolicyDocument = z
  .strictObject(
    {
      version: z.literal(1, { error: "must be 1" }),
      defaults: PolicyDefaults.default({ pendingApprovalExpiryMinutes: 1440 }),
      rules: z.array(AllowRule, { error: "must be a list of rules" }).max(1000).default([]),
      deny: z.array(DenyRule, { error: "must be a list of deny rules" }).max(1000).default([]),
      breakGlass: z.array(BreakGlassRule, { error: "must be a list of break-glass rules" }).max(100).default([]),
      // Optional without a default, so documents without group rules keep their stored form (and content hash).
      groupRules: z.array(GroupRule, { error: "must be a list of group rules" }).max(1000).optional(),
      privilegedPermissionSets: PrivilegedPermissionSets.default([]),
    },
    mapping("the policy"),
  )
  .superRefine((policy, ctx) => {
    const seen = new Map<string, string>();
    const check =
      (section: "rules" | "deny" | "breakGlass" | "groupRules") => (rule: { id: string }, index: number) => {
        const first = seen.get(rule.id);
        if (first)
          ctx.addIssue({
            code: "custom",
            path: [section, index, "id"],
            message: `duplicate rule id "${rule.id}" (first used at ${first})`,
          });
        else seen.set(rule.id, `${section}[${index}]`);
      };
    policy.rules.forEach(check("rules"));
    policy.deny.forEach(check("deny"));
    policy.breakGlass.forEach(check("breakGlass"));
    (policy.groupRules ?? []).forEach(check("groupRules"));
  });
export type PolicyDocument = z.infer<typeof PolicyDocument>;

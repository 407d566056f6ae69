import { z } from "zod";
import { NOTIFICATION_EVENTS, type NotificationEventType } from "../../domain/notifications";
import { APPROVE_ACTION_ID, DENY_ACTION_ID, EXTEND_ACTION_ID, OPEN_ACTION_ID } from "../../services/slack/action-ids";

// Block Kit for every notification: pure, from the outbox payload snapshot (and, for approval messages, the current state).

export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_FIELDS = 10;
export const MAX_FIELD_TEXT = 2000;
export const MAX_BUTTON_VALUE = 2000;
const MAX_HEADER_TEXT = 150;
const MAX_CONTEXT_TEXT = 2000;
const MAX_FALLBACK_TEXT = 3000;

const Decision = z.object({
  kind: z.string(),
  decision: z.enum(["APPROVE", "DENY"]),
  by: z.object({ email: z.string().nullable(), name: z.string().nullable() }),
  comment: z.string().nullable().optional(),
  at: z.string(),
  /** Only in the current state read from the database: the groups the approval counted for. */
  viaGroups: z.array(z.string()).optional(),
});
export type SnapshotDecision = z.infer<typeof Decision>;

export const RequestSnapshot = z.object({
  id: z.string(),
  status: z.string(),
  requester: z.object({ email: z.string().nullable(), name: z.string().nullable() }),
  targets: z.array(z.object({ accountId: z.string(), accountName: z.string(), permissionSet: z.string() })),
  /** Identity Center group memberships instead of targets; absent in payloads written before group targets. */
  groups: z.array(z.object({ name: z.string(), label: z.string() })).default([]),
  justification: z.string(),
  ticket: z.string().nullable(),
  durationMinutes: z.number(),
  window: z.object({ startsAt: z.string(), endsAt: z.string() }),
  rules: z.array(z.string()),
  risks: z.array(z.object({ flag: z.string(), label: z.string() })),
  approvals: z.object({ required: z.number(), distinctGroups: z.boolean() }),
  approvalExpiresAt: z.string().nullable(),
  escalated: z.boolean(),
  decisions: z.array(Decision),
  extension: z.object({ minutes: z.number(), justification: z.string().nullable() }).nullable(),
  closeReason: z.string().nullable(),
  portalUrl: z.string(),
});
export type RequestSnapshot = z.infer<typeof RequestSnapshot>;

export const NotificationPayload = z.object({
  type: z.enum(Object.keys(NOTIFICATION_EVENTS) as [NotificationEventType, ...NotificationEventType[]]),
  occurredAt: z.string(),
  summary: z.string(),
  request: RequestSnapshot.optional(),
  accessPortalUrl: z.string().nullable().optional(),
  endingInMinutes: z.number().optional(),
  subject: z.object({ type: z.string(), id: z.string(), details: z.unknown(), reason: z.string().nullable() }),
  portalUrl: z.string(),
});
export type NotificationPayload = z.infer<typeof NotificationPayload>;

export type Block = Record<string, unknown>;
export interface SlackMessage {
  /** The notification and accessibility fallback. */
  text: string;
  blocks: Block[];
}

/** Slack's three control characters, so user text cannot become a mention, a link or a date. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts text to `max` characters with an ellipsis; applied after escaping so an entity is never split in the count. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  // Never leave half an entity ("&am") behind.
  return cut.replace(/&[a-z]{0,4}$/, "") + "…";
}

const esc = (text: string | null | undefined) => escapeMrkdwn(text ?? "");

/** A time every reader sees in their own zone, with a UTC fallback for clients that cannot. */
export function slackDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return esc(iso);
  const fallback = `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** A link whose label is user text: the label is escaped, the URL is ours. */
function link(url: string, label: string): string {
  return `<${url.replace(/[<>|\s]/g, encodeURIComponent)}|${esc(label)}>`;
}

export function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

const person = (who: { email: string | null; name: string | null }) => who.name || who.email || "someone";

function header(text: string): Block {
  return { type: "header", text: { type: "plain_text", text: clip(text, MAX_HEADER_TEXT), emoji: true } };
}

function section(text: string, blockId?: string): Block {
  return {
    type: "section",
    ...(blockId ? { block_id: blockId } : {}),
    text: { type: "mrkdwn", text: clip(text, MAX_SECTION_TEXT) },
  };
}

function fieldsSection(fields: string[], blockId?: string): Block {
  return {
    type: "section",
    ...(blockId ? { block_id: blockId } : {}),
    fields: fields.slice(0, MAX_FIELDS).map((text) => ({ type: "mrkdwn", text: clip(text, MAX_FIELD_TEXT) })),
  };
}

function context(text: string, blockId?: string): Block {
  return {
    type: "context",
    ...(blockId ? { block_id: blockId } : {}),
    elements: [{ type: "mrkdwn", text: clip(text, MAX_CONTEXT_TEXT) }],
  };
}

function urlButton(text: string, url: string, actionId: string): Block {
  return { type: "button", action_id: actionId, text: { type: "plain_text", text }, url };
}

function accountsText(request: RequestSnapshot): string {
  const accounts = [...new Map(request.targets.map((t) => [t.accountId, t.accountName])).entries()];
  return accounts.map(([id, name]) => `${esc(name)} (\`${esc(id)}\`)`).join("\n");
}

function permissionSetsText(request: RequestSnapshot): string {
  return [...new Set(request.targets.map((t) => t.permissionSet))].map(esc).join(", ");
}

function whatText(request: RequestSnapshot): string {
  return [
    ...request.targets.map((t) => `${t.accountName} / ${t.permissionSet}`),
    ...request.groups.map((g) => g.label),
  ].join(", ");
}

/** The access as fields: accounts and permission sets, or the group memberships of a group request. */
function accessFields(request: RequestSnapshot): string[] {
  const groups = request.groups.length > 0 ? [`*Access*\n${request.groups.map((g) => esc(g.label)).join("\n")}`] : [];
  if (request.targets.length === 0 && groups.length > 0) return groups;
  return [`*Accounts*\n${accountsText(request)}`, `*Permission sets*\n${permissionSetsText(request)}`, ...groups];
}

/** The risk line approvers must not miss: administrator access on production stands out on its own. */
function riskBlocks(request: RequestSnapshot): Block[] {
  const flags = new Set(request.risks.map((r) => r.flag));
  const out: Block[] = [];
  if (flags.has("administrator") && flags.has("production"))
    out.push(section(":warning: *Administrator access on a production account*"));
  else if (flags.has("administrator")) out.push(section(":warning: *Administrator access*"));
  else if (flags.has("production")) out.push(section(":warning: *Production account*"));
  const others = request.risks.filter((r) => r.flag !== "administrator" && r.flag !== "production");
  if (others.length > 0) out.push(context(`Also: ${others.map((r) => esc(r.label)).join(" · ")}`));
  return out;
}

/** The facts an approver decides on; the same in every copy of the message. */
function requestFacts(request: RequestSnapshot, blockId: string): Block[] {
  const fields = [
    `*Requester*\n${esc(person(request.requester))}${request.requester.email && request.requester.name ? ` (${esc(request.requester.email)})` : ""}`,
    ...accessFields(request),
    `*Duration*\n${formatDuration(request.durationMinutes)}`,
    `*Window*\n${slackDate(request.window.startsAt)} – ${slackDate(request.window.endsAt)}`,
    `*Ticket*\n${request.ticket ? esc(request.ticket) : "_none_"}`,
    `*Matched rule*\n${request.rules.length > 0 ? request.rules.map(esc).join(", ") : "_none_"}`,
  ];
  return [
    fieldsSection(fields, `${blockId}:facts`),
    section(`*Justification*\n${esc(request.justification)}`, `${blockId}:why`),
  ];
}

function approvalDecisions(request: RequestSnapshot) {
  return request.decisions.filter((d) => d.kind === "REQUEST");
}

/** "1 of 2 approvals: bob (approvers)". */
export function approvalProgress(request: RequestSnapshot): string {
  const approvals = approvalDecisions(request).filter((d) => d.decision === "APPROVE");
  const who = approvals.map(
    (d) => `${esc(person(d.by))}${d.viaGroups?.length ? ` (${d.viaGroups.map(esc).join(", ")})` : ""}`,
  );
  const count = `${approvals.length} of ${request.approvals.required} approval${request.approvals.required === 1 ? "" : "s"}`;
  const distinct = request.approvals.distinctGroups ? ", from distinct groups" : "";
  return who.length > 0 ? `${count}${distinct}: ${who.join(", ")}` : `${count}${distinct}`;
}

const CLOSED_HEADINGS: Record<string, string> = {
  APPROVED: "Access request approved",
  ACTIVE: "Access request approved",
  COMPLETED: "Access request approved",
  REVOKED: "Access request approved",
  FAILED: "Access request approved",
  DENIED: "Access request denied",
  CANCELLED: "Access request cancelled",
  EXPIRED: "Access request expired",
};

/** The line that replaces the buttons once nobody needs to decide any more. */
export function outcomeLine(request: RequestSnapshot): string {
  const decisions = approvalDecisions(request);
  const denial = decisions.find((d) => d.decision === "DENY");
  if (request.status === "DENIED" && denial)
    return `:no_entry: Denied by *${esc(person(denial.by))}*${denial.comment ? `: ${esc(denial.comment)}` : ""}`;
  if (request.status === "DENIED") return ":no_entry: Denied";
  if (request.status === "CANCELLED") return ":heavy_multiplication_x: Cancelled by the requester";
  if (request.status === "EXPIRED") return ":hourglass: Expired without a decision";
  const approvals = decisions.filter((d) => d.decision === "APPROVE");
  const last = approvals.at(-1);
  if (!last) return ":white_check_mark: Approved";
  const names = approvals.map((d) => `*${esc(person(d.by))}*`).join(" and ");
  return `:white_check_mark: Approved by ${names} at ${slackDate(last.at)}`;
}

export type ApprovalHeading = "waiting" | "reminder" | "escalated";

/** The approval message posted to the channel and approvers' DMs, and every later re-render of it. */
export function approvalMessage(request: RequestSnapshot, heading: ApprovalHeading = "waiting"): SlackMessage {
  const open = request.status === "PENDING";
  // A new block_id per state, so Slack redraws each iteration of the message.
  const rev = `${request.status}.${request.decisions.length}.${request.escalated ? "e" : "n"}`;
  const blockId = `req:${request.id}:${rev}`;
  const title = open
    ? heading === "reminder"
      ? "Reminder: access request waiting for approval"
      : heading === "escalated"
        ? "Escalated: access request waiting for approval"
        : "Access request waiting for approval"
    : (CLOSED_HEADINGS[request.status] ?? "Access request");
  const blocks: Block[] = [header(title), ...riskBlocks(request), ...requestFacts(request, blockId)];
  if (request.approvals.required > 1 || approvalDecisions(request).length > 0)
    blocks.push(context(`:ballot_box_with_check: ${approvalProgress(request)}`, `${blockId}:progress`));
  if (request.escalated && open)
    blocks.push(context(":rotating_light: *Escalated* to the fallback approvers", `${blockId}:escalated`));
  if (open) {
    if (request.approvalExpiresAt)
      blocks.push(context(`Waits for a decision until ${slackDate(request.approvalExpiresAt)}`, `${blockId}:expiry`));
    blocks.push({
      type: "actions",
      block_id: `${blockId}:decision`,
      elements: [
        {
          type: "button",
          action_id: APPROVE_ACTION_ID,
          style: "primary",
          text: { type: "plain_text", text: "Approve" },
          value: request.id.slice(0, MAX_BUTTON_VALUE),
          confirm: {
            title: { type: "plain_text", text: "Approve this access?" },
            text: {
              type: "plain_text",
              text: clip(
                `Grants ${whatText(request)} for ${formatDuration(request.durationMinutes)} to ${person(request.requester)}.`,
                300,
              ),
            },
            confirm: { type: "plain_text", text: "Approve" },
            deny: { type: "plain_text", text: "Cancel" },
          },
        },
        {
          type: "button",
          action_id: DENY_ACTION_ID,
          style: "danger",
          text: { type: "plain_text", text: "Deny…" },
          value: request.id.slice(0, MAX_BUTTON_VALUE),
        },
        urlButton("Open in portal", request.portalUrl, OPEN_ACTION_ID),
      ],
    });
  } else {
    blocks.push(context(outcomeLine(request), `${blockId}:outcome`));
    blocks.push(context(link(request.portalUrl, "Open in portal"), `${blockId}:link`));
  }
  const fallbackState = open ? "waits for approval" : `is ${request.status.toLowerCase()}`;
  return {
    text: clip(
      // The fallback shows in push notifications: user text in it is escaped like in the blocks.
      esc(`Access request from ${person(request.requester)} (${whatText(request)}) ${fallbackState}`),
      MAX_FALLBACK_TEXT,
    ),
    blocks: blocks.slice(0, MAX_BLOCKS),
  };
}

/** The extension message approvers get; decided in the portal (the buttons above decide requests only). */
export function extensionMessage(request: RequestSnapshot): SlackMessage {
  const extension = request.extension;
  const blockId = `ext:${request.id}:${request.status}.${request.decisions.length}`;
  const blocks: Block[] = [
    header("Extension waiting for approval"),
    ...riskBlocks(request),
    fieldsSection(
      [
        `*Requester*\n${esc(person(request.requester))}`,
        ...accessFields(request),
        `*Extra time*\n${extension ? formatDuration(extension.minutes) : "_unknown_"}`,
        `*Ends now at*\n${slackDate(request.window.endsAt)}`,
      ],
      `${blockId}:facts`,
    ),
    section(`*Justification*\n${esc(extension?.justification ?? request.justification)}`, `${blockId}:why`),
    {
      type: "actions",
      block_id: `${blockId}:open`,
      elements: [urlButton("Review in portal", request.portalUrl, OPEN_ACTION_ID)],
    },
  ];
  return {
    text: clip(
      esc(`Extension of ${whatText(request)} for ${person(request.requester)} waits for approval`),
      MAX_FALLBACK_TEXT,
    ),
    blocks,
  };
}

function detailsFields(details: unknown): string[] {
  if (!details || typeof details !== "object" || Array.isArray(details)) return [];
  return Object.entries(details as Record<string, unknown>)
    .filter(([, value]) => ["string", "number", "boolean"].includes(typeof value))
    .slice(0, MAX_FIELDS)
    .map(([key, value]) => `*${esc(key)}*\n${esc(String(value))}`);
}

function requesterMessage(payload: NotificationPayload, request: RequestSnapshot): SlackMessage {
  const what = [
    ...(request.targets.length > 0
      ? [`${accountsText(request).replace(/\n/g, ", ")} · ${permissionSetsText(request)}`]
      : []),
    ...request.groups.map((g) => esc(g.label)),
  ].join("\n");
  const portal = link(request.portalUrl, "Open in portal");
  const lastDecision = (kind: string, decision: "APPROVE" | "DENY") =>
    request.decisions.filter((d) => d.kind === kind && d.decision === decision).at(-1);
  const comment = (d: SnapshotDecision | undefined) => (d?.comment ? `\n>${esc(d.comment).replace(/\n/g, "\n>")}` : "");
  const blocks: Block[] = [];
  let text: string;
  switch (payload.type) {
    case "request.approved":
      text = ":white_check_mark: *Your access request was approved.*";
      blocks.push(
        section(`${text}\n${what}\n${slackDate(request.window.startsAt)} – ${slackDate(request.window.endsAt)}`),
      );
      break;
    case "request.denied": {
      const denial = lastDecision("REQUEST", "DENY");
      text = `:no_entry: *Your access request was denied*${denial ? ` by ${esc(person(denial.by))}` : ""}.`;
      blocks.push(
        section(`${text}\n${what}${comment(denial) || (request.closeReason ? `\n>${esc(request.closeReason)}` : "")}`),
      );
      break;
    }
    case "request.expired":
      text = ":hourglass: *Your access request expired without a decision.*";
      blocks.push(section(`${text}\n${what}`));
      break;
    case "extension.approved":
      text = ":white_check_mark: *Your extension was approved.*";
      blocks.push(section(`${text}\n${what}\nNow ends ${slackDate(request.window.endsAt)}`));
      break;
    case "extension.denied": {
      const denial = lastDecision("EXTENSION", "DENY");
      text = `:no_entry: *Your extension was denied*${denial ? ` by ${esc(person(denial.by))}` : ""}.`;
      blocks.push(section(`${text}\n${what}${comment(denial)}`));
      break;
    }
    case "access.active": {
      text = ":unlock: *Your access is active.*";
      const portalLink = payload.accessPortalUrl
        ? `\n${link(payload.accessPortalUrl, "Sign in through the AWS access portal")}`
        : "";
      blocks.push(
        section(
          `${text}\n${what}\n${slackDate(request.window.startsAt)} – ${slackDate(request.window.endsAt)}${portalLink}`,
        ),
      );
      break;
    }
    case "access.ending": {
      const minutes = payload.endingInMinutes ?? 0;
      text = `:alarm_clock: *Your access ends in ${minutes} minutes* (${slackDate(request.window.endsAt)}).`;
      blocks.push(section(`${text}\n${what}`));
      blocks.push({
        type: "actions",
        block_id: `ending:${request.id}:${request.window.endsAt}`,
        elements: [urlButton("Extend", request.portalUrl, EXTEND_ACTION_ID)],
      });
      break;
    }
    case "access.ended":
      text = ":lock: *Your access ended and its removal was verified.*";
      blocks.push(section(`${text}\n${what}`));
      break;
    case "access.revoked":
      text = ":lock: *Your access was revoked.*";
      blocks.push(section(`${text}\n${what}${payload.subject.reason ? `\n>${esc(payload.subject.reason)}` : ""}`));
      break;
    case "access.failed":
      text = ":x: *Your access could not be granted.*";
      blocks.push(section(`${text}\n${what}\nThe portal team has been told; see the request for details.`));
      break;
    default:
      text = esc(payload.summary);
      blocks.push(section(`*${text}*\n${what}`));
  }
  if (payload.type !== "access.ending") blocks.push(context(portal));
  return {
    text: clip(esc(`${NOTIFICATION_EVENTS[payload.type].summary}: ${whatText(request)}`), MAX_FALLBACK_TEXT),
    blocks,
  };
}

function securityMessage(payload: NotificationPayload): SlackMessage {
  const titles: Partial<Record<NotificationEventType, string>> = {
    "removal.alert": ":rotating_light: *A removal is not verified*",
    "drift.found": ":mag: *An assignment changed outside the portal*",
    "policy.reloaded": ":scroll: *The access policy was reloaded*",
    "breakglass.used": ":rotating_light: *Emergency access was used (break-glass)*",
    "breakglass.unreviewed": ":hourglass: *An emergency access use is still not reviewed*",
  };
  const title = titles[payload.type] ?? `*${esc(payload.summary)}*`;
  const blocks: Block[] = [section(`${title}${payload.subject.reason ? `\n${esc(payload.subject.reason)}` : ""}`)];
  const fields = detailsFields(payload.subject.details);
  if (payload.request) fields.unshift(`*Request*\n${link(payload.request.portalUrl, payload.request.id)}`);
  if (fields.length > 0) blocks.push(fieldsSection(fields));
  blocks.push(context(link(payload.portalUrl, "Open in portal")));
  return { text: clip(payload.summary, MAX_FALLBACK_TEXT), blocks };
}

/** The message for one notification; approval-type events take the request's current state when the caller has it. */
export function renderNotification(payload: NotificationPayload, current?: RequestSnapshot): SlackMessage {
  const request = current ?? payload.request;
  const audience = NOTIFICATION_EVENTS[payload.type].audience;
  if (audience === "security") return securityMessage(payload);
  if (!request) return { text: clip(payload.summary, MAX_FALLBACK_TEXT), blocks: [section(esc(payload.summary))] };
  switch (payload.type) {
    case "request.waiting":
    case "request.updated":
      return approvalMessage(request, "waiting");
    case "approval.reminder":
      return approvalMessage(request, "reminder");
    case "approval.escalated":
      return approvalMessage(request, "escalated");
    case "extension.waiting":
      return extensionMessage(request);
    default:
      return requesterMessage(payload, request);
  }
}

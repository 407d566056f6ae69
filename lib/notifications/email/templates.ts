import { z } from "zod";
import type { NotificationEventType } from "../../domain/notifications";

// Email bodies rendered from a notification's payload snapshot: one document per event, written out as plain text and as HTML.
// Mail links only open pages: deciding happens after sign-in with a POST, since mail scanners fetch every link they see.

export type EmailEventType = Exclude<NotificationEventType, "request.updated">;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Where links may point: the portal origin and the AWS access portal, nothing else. */
export interface EmailLinks {
  appUrl: string;
  accessPortalUrl?: string | null;
}

const Person = z.object({ email: z.string(), name: z.string().nullish() });

const RequestSnapshot = z.object({
  id: z.string().min(1),
  status: z.string(),
  requester: Person,
  targets: z.array(z.object({ accountId: z.string(), accountName: z.string(), permissionSet: z.string() })),
  /** Identity Center group memberships instead of targets; absent in payloads written before group targets. */
  groups: z.array(z.object({ name: z.string(), label: z.string() })).default([]),
  justification: z.string().nullish(),
  ticket: z.string().nullish(),
  durationMinutes: z.number(),
  window: z.object({ startsAt: z.string(), endsAt: z.string() }),
  rules: z.array(z.string()).default([]),
  risks: z.array(z.object({ flag: z.string(), label: z.string() })).default([]),
  approvals: z.object({ required: z.number(), distinctGroups: z.boolean() }),
  approvalExpiresAt: z.string().nullish(),
  escalated: z.boolean().default(false),
  decisions: z
    .array(
      z.object({
        kind: z.string(),
        decision: z.string(),
        by: Person,
        comment: z.string().nullish(),
        at: z.string(),
      }),
    )
    .default([]),
  extension: z.object({ minutes: z.number(), justification: z.string().nullish() }).nullish(),
  closeReason: z.string().nullish(),
});
type RequestSnapshot = z.infer<typeof RequestSnapshot>;

/** The parts of the outbox payload (enqueue-notifications.ts) the mail reads. */
export const EmailPayload = z.object({
  request: RequestSnapshot.nullish(),
  endingInMinutes: z.number().nullish(),
  subject: z
    .object({
      type: z.string(),
      id: z.string(),
      details: z.record(z.string(), z.unknown()).nullish(),
      reason: z.string().nullish(),
    })
    .nullish(),
});
export type EmailPayload = z.infer<typeof EmailPayload>;

type Block =
  | { kind: "paragraph"; text: string }
  /** Shown first and highlighted: what an approver must not miss. */
  | { kind: "warning"; text: string }
  | { kind: "facts"; rows: (readonly [string, string])[] }
  /** Text a person wrote (justification, comment), kept with its line breaks. */
  | { kind: "quote"; label: string; text: string }
  | { kind: "action"; label: string; url: string };

interface EmailDocument {
  subject: string;
  heading: string;
  blocks: Block[];
}

export type RenderResult = { ok: true; email: RenderedEmail } | { ok: false; reason: string };

/** The email for one event, or why there is none (an event mail does not carry, or a payload that is not a snapshot). */
export function renderEmail(type: NotificationEventType, payload: unknown, links: EmailLinks): RenderResult {
  if (type === "request.updated") return { ok: false, reason: "request.updated re-renders Slack copies only" };
  const parsed = EmailPayload.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: `the ${type} payload is not a notification snapshot` };
  const document = buildDocument(type, parsed.data, links);
  if (!document) return { ok: false, reason: `the ${type} payload has no request snapshot` };
  return {
    ok: true,
    email: { subject: oneLine(document.subject), text: toText(document, links), html: toHtml(document, links) },
  };
}

function buildDocument(type: EmailEventType, payload: EmailPayload, links: EmailLinks): EmailDocument | null {
  const security = SECURITY_TEMPLATES[type as SecurityEvent];
  if (security) return security(payload, links);
  const request = payload.request;
  if (!request) return null;
  return REQUEST_TEMPLATES[type as RequestEvent](request, payload, links);
}

type SecurityEvent = "removal.alert" | "drift.found" | "policy.reloaded" | "breakglass.used" | "breakglass.unreviewed";
type RequestEvent = Exclude<EmailEventType, SecurityEvent>;

const REQUEST_TEMPLATES: Record<
  RequestEvent,
  (request: RequestSnapshot, payload: EmailPayload, links: EmailLinks) => EmailDocument
> = {
  "request.waiting": (request, _payload, links) =>
    approverMail(request, links, {
      subjectPrefix: "Approval needed",
      intro: `${personLabel(request.requester)} asks for access and needs your approval.`,
    }),
  "approval.reminder": (request, _payload, links) =>
    approverMail(request, links, {
      subjectPrefix: "Reminder: approval needed",
      intro: `${personLabel(request.requester)} is still waiting for an approval decision.`,
    }),
  "approval.escalated": (request, _payload, links) =>
    approverMail(request, links, {
      subjectPrefix: "Escalated: approval needed",
      intro: `Nobody decided on ${personLabel(request.requester)}'s request in time, so it now goes to you as an escalation approver.`,
    }),
  "extension.waiting": (request, _payload, links) => {
    const minutes = request.extension?.minutes;
    return {
      subject: `Extension approval needed: ${requesterShort(request)} wants ${minutes ?? "more"} more minutes of ${accessSummary(request)}`,
      heading: "An extension waits for your approval",
      blocks: [
        ...riskWarning(request),
        {
          kind: "paragraph",
          text: `${personLabel(request.requester)} asks to keep their access ${minutes ? `${minutes} minutes longer` : "longer"}.`,
        },
        {
          kind: "facts",
          rows: [
            ...requestFacts(request),
            ["Extension", minutes ? `${minutes} minutes` : "not stated"],
            ["Approvals", progress(request, "EXTENSION")],
          ],
        },
        ...quote("Extension justification", request.extension?.justification),
        ...quote("Original justification", request.justification),
        ...reviewAction(request, links, "Review the extension"),
      ],
    };
  },
  "request.approved": (request, _payload, links) => ({
    subject: `Approved: ${accessSummary(request)}`,
    heading: "Your request was approved",
    blocks: [
      {
        kind: "paragraph",
        text: `Your request was approved. The access is granted for ${windowText(request)}.`,
      },
      { kind: "facts", rows: [...requestFacts(request), ...deciders(request, "REQUEST", "APPROVE")] },
      ...comments(request, "REQUEST", "APPROVE"),
      openAction(request, links, "Open the request"),
    ],
  }),
  "request.denied": (request, _payload, links) => ({
    subject: `Denied: ${accessSummary(request)}`,
    heading: "Your request was denied",
    blocks: [
      { kind: "paragraph", text: "Your request was denied; no access was granted." },
      { kind: "facts", rows: [...requestFacts(request), ...deciders(request, "REQUEST", "DENY")] },
      ...commentsOrReason(request, "REQUEST", "DENY"),
      openAction(request, links, "Open the request"),
    ],
  }),
  "request.expired": (request, _payload, links) => ({
    subject: `Expired: ${accessSummary(request)}`,
    heading: "Your request expired without a decision",
    blocks: [
      {
        kind: "paragraph",
        text: `No approver decided${request.approvalExpiresAt ? ` by ${formatTime(request.approvalExpiresAt)}` : " in time"}, so the request expired and no access was granted. Ask again if you still need it.`,
      },
      { kind: "facts", rows: requestFacts(request) },
      openAction(request, links, "Open the request"),
    ],
  }),
  "extension.approved": (request, _payload, links) => ({
    subject: `Extension approved: ${accessSummary(request)}`,
    heading: "Your extension was approved",
    blocks: [
      {
        kind: "paragraph",
        text: `Your extension${request.extension ? ` of ${request.extension.minutes} minutes` : ""} was approved.`,
      },
      { kind: "facts", rows: [...requestFacts(request), ...deciders(request, "EXTENSION", "APPROVE")] },
      ...comments(request, "EXTENSION", "APPROVE"),
      openAction(request, links, "Open the request"),
    ],
  }),
  "extension.denied": (request, _payload, links) => ({
    subject: `Extension denied: ${accessSummary(request)}`,
    heading: "Your extension was denied",
    blocks: [
      {
        kind: "paragraph",
        text: `Your extension was denied. Your access still ends at ${formatTime(request.window.endsAt)}.`,
      },
      { kind: "facts", rows: [...requestFacts(request), ...deciders(request, "EXTENSION", "DENY")] },
      ...comments(request, "EXTENSION", "DENY"),
      openAction(request, links, "Open the request"),
    ],
  }),
  "access.active": (request, _payload, links) => {
    const accessPortal = safeUrl(links.accessPortalUrl);
    return {
      subject: `Active now: ${accessSummary(request)}`,
      heading: "Your access is active",
      blocks: [
        { kind: "paragraph", text: `Your access is active until ${formatTime(request.window.endsAt)}.` },
        { kind: "facts", rows: requestFacts(request) },
        ...(accessPortal
          ? [
              { kind: "paragraph", text: "Sign in through the AWS access portal to use it." } as const,
              { kind: "action", label: "Open the AWS access portal", url: accessPortal } as const,
            ]
          : []),
        openAction(request, links, "Open the request"),
      ],
    };
  },
  "access.ending": (request, payload, links) => {
    const minutes = payload.endingInMinutes;
    return {
      subject: `Ends in ${minutes ?? "a few"} minutes: ${accessSummary(request)}`,
      heading: `Your access ends in ${minutes ?? "a few"} minutes`,
      blocks: [
        {
          kind: "paragraph",
          text: `Your access ends at ${formatTime(request.window.endsAt)}. If you still need it, ask for an extension on the request page.`,
        },
        { kind: "facts", rows: requestFacts(request) },
        openAction(request, links, "Extend on the request page"),
      ],
    };
  },
  "access.ended": (request, _payload, links) => ({
    subject: `Ended: ${accessSummary(request)}`,
    heading: "Your access ended and was removed",
    blocks: [
      {
        kind: "paragraph",
        text: "Your access window is over and the portal verified that the assignment was removed from AWS.",
      },
      { kind: "facts", rows: requestFacts(request) },
      openAction(request, links, "Open the request"),
    ],
  }),
  "access.revoked": (request, payload, links) => ({
    subject: `Revoked: ${accessSummary(request)}`,
    heading: "Your access was revoked",
    blocks: [
      { kind: "paragraph", text: "Your access was revoked before its window ended; the assignment is being removed." },
      { kind: "facts", rows: requestFacts(request) },
      ...quote("Reason", request.closeReason ?? payload.subject?.reason),
      openAction(request, links, "Open the request"),
    ],
  }),
  "access.failed": (request, _payload, links) => ({
    subject: `Failed: ${accessSummary(request)}`,
    heading: "Your access could not be granted",
    blocks: [
      {
        kind: "paragraph",
        text: "The portal could not grant your access in AWS, so it is not active. The request page shows what happened; ask again or contact an administrator.",
      },
      { kind: "facts", rows: requestFacts(request) },
      openAction(request, links, "Open the request"),
    ],
  }),
};

const SECURITY_TEMPLATES: Record<SecurityEvent, (payload: EmailPayload, links: EmailLinks) => EmailDocument> = {
  "removal.alert": (payload, links) => {
    const details = payload.subject?.details ?? {};
    return {
      subject: `Security alert: ${text(details.subject) ?? "a removal is not verified"}`,
      heading: "A removal is not verified",
      blocks: [
        {
          kind: "warning",
          text: "The portal could not verify that access was removed from AWS. Check the assignment until the alert is resolved.",
        },
        {
          kind: "facts",
          rows: compactRows([
            ["Alert", text(details.subject)],
            ["Kind", text(details.kind)],
            ["Severity", text(details.severity)],
            ["Request", payload.request ? accessSummary(payload.request) : null],
            ["Requester", payload.request ? personLabel(payload.request.requester) : null],
          ]),
        },
        { kind: "action", label: "Open the admin page", url: portalLink(links, "/admin") },
        ...(payload.request ? [openAction(payload.request, links, "Open the request")] : []),
      ],
    };
  },
  "drift.found": (payload, links) => {
    const details = payload.subject?.details ?? {};
    const kind = text(details.kind);
    return {
      subject: `Security: ${DRIFT_LABELS[kind ?? ""] ?? "an assignment changed outside the portal"}${text(details.accountId) ? ` in ${text(details.accountId)}` : ""}`,
      heading: "An assignment changed outside the portal",
      blocks: [
        {
          kind: "warning",
          text: `${DRIFT_LABELS[kind ?? ""] ?? "AWS and the portal's grants disagree"}.`,
        },
        {
          kind: "facts",
          rows: compactRows([
            ["Finding", kind],
            ["Account", text(details.accountId)],
            ["Permission set", text(details.permissionSetArn)],
            ["Principal", text(details.principalId)],
            ["Action taken", text(details.actionTaken) ?? "reported only"],
          ]),
        },
        { kind: "action", label: "Open the admin page", url: portalLink(links, "/admin") },
      ],
    };
  },
  "policy.reloaded": (payload, links) => {
    const details = payload.subject?.details ?? {};
    return {
      subject: "Security: the access policy was reloaded",
      heading: "The access policy was reloaded",
      blocks: [
        { kind: "paragraph", text: "A new version of the access policy is in force; review what changed." },
        {
          kind: "facts",
          rows: compactRows([
            ["Source", text(details.source)],
            ["Content hash", text(details.contentHash)],
            ["Policy id", text(details.policyId)],
          ]),
        },
        { kind: "action", label: "Open the policy page", url: portalLink(links, "/policy") },
      ],
    };
  },
  "breakglass.used": (payload, links) => {
    const details = payload.subject?.details ?? {};
    const request = payload.request;
    return {
      subject: `Security: emergency access used${request ? ` by ${requesterShort(request)}: ${accessSummary(request)}` : ""}`,
      heading: "Emergency access was used",
      blocks: [
        {
          kind: "warning",
          text: "Someone broke glass: access was granted at once, without approval. An approver or auditor must review this use.",
        },
        {
          kind: "facts",
          rows: compactRows([
            ["Who", request ? personLabel(request.requester) : null],
            ["Access", request ? accessSummary(request) : null],
            ["Incident", text(details.incident)],
            ["Reason", text(payload.subject?.reason)],
          ]),
        },
        { kind: "action", label: "Review on the break-glass page", url: portalLink(links, "/break-glass") },
        ...(request ? [openAction(request, links, "Open the request")] : []),
      ],
    };
  },
  "breakglass.unreviewed": (payload, links) => ({
    subject: "Security: an emergency access use is still not reviewed",
    heading: "An emergency access use is still not reviewed",
    blocks: [
      {
        kind: "warning",
        text: "Emergency access was used and nobody has reviewed it yet. The alert stays until an approver or auditor does.",
      },
      {
        kind: "facts",
        rows: compactRows([
          ["Access", payload.request ? accessSummary(payload.request) : null],
          ["Who", payload.request ? personLabel(payload.request.requester) : null],
        ]),
      },
      { kind: "action", label: "Review on the break-glass page", url: portalLink(links, "/break-glass") },
    ],
  }),
};

const DRIFT_LABELS: Record<string, string> = {
  MISSING_ASSIGNMENT: "An active grant's assignment is missing from AWS",
  LINGERING_ASSIGNMENT: "An ended grant's assignment is still in AWS",
  OUT_OF_BAND_ASSIGNMENT: "An assignment exists that nobody requested through the portal",
};

function approverMail(
  request: RequestSnapshot,
  links: EmailLinks,
  { subjectPrefix, intro }: { subjectPrefix: string; intro: string },
): EmailDocument {
  const risky = request.risks.length > 0 ? " [risk]" : "";
  return {
    subject: `${subjectPrefix}${risky}: ${requesterShort(request)} wants ${accessSummary(request)}`,
    heading: subjectPrefix,
    blocks: [
      ...riskWarning(request),
      { kind: "paragraph", text: intro },
      {
        kind: "facts",
        rows: [
          ...requestFacts(request),
          ["Approvals", progress(request, "REQUEST")],
          ...(request.approvalExpiresAt ? [["Decide by", formatTime(request.approvalExpiresAt)] as const] : []),
        ],
      },
      ...quote("Justification", request.justification),
      ...reviewAction(request, links, "Review the request"),
    ],
  };
}

function riskWarning(request: RequestSnapshot): Block[] {
  if (request.risks.length === 0) return [];
  return [{ kind: "warning", text: `Risk: ${request.risks.map((r) => r.label).join(" · ")}` }];
}

function reviewAction(request: RequestSnapshot, links: EmailLinks, label: string): Block[] {
  return [
    openAction(request, links, label),
    {
      kind: "paragraph",
      text: "The link opens the request after you sign in; approve or deny it there. This email cannot decide anything.",
    },
  ];
}

function openAction(request: RequestSnapshot, links: EmailLinks, label: string): Block {
  return { kind: "action", label, url: portalLink(links, `/requests/${encodeURIComponent(request.id)}`) };
}

function requestFacts(request: RequestSnapshot): (readonly [string, string])[] {
  return [
    ["Requester", personLabel(request.requester)],
    [
      "Access",
      [
        ...request.targets.map((t) => `${t.permissionSet} on ${accountLabel(t)}`),
        ...request.groups.map((g) => g.label),
      ].join("; "),
    ],
    ["Window", windowText(request)],
    ["Ticket", request.ticket || "none"],
    ...(request.rules.length > 0 ? [["Policy rule", request.rules.join(", ")] as const] : []),
    ["Request", request.id],
  ];
}

function progress(request: RequestSnapshot, kind: "REQUEST" | "EXTENSION"): string {
  const given = request.decisions.filter((d) => d.kind === kind && d.decision === "APPROVE");
  const by = given.length > 0 ? ` (${given.map((d) => personLabel(d.by)).join(", ")})` : "";
  const groups = request.approvals.distinctGroups ? ", from different approver groups" : "";
  return `${given.length} of ${request.approvals.required} given${groups}${by}`;
}

function deciders(request: RequestSnapshot, kind: string, decision: string): (readonly [string, string])[] {
  const people = request.decisions
    .filter((d) => d.kind === kind && d.decision === decision)
    .map((d) => personLabel(d.by));
  if (people.length === 0) return [];
  return [[decision === "DENY" ? "Denied by" : "Approved by", people.join(", ")]];
}

function comments(request: RequestSnapshot, kind: string, decision: string): Block[] {
  return request.decisions
    .filter((d) => d.kind === kind && d.decision === decision && d.comment)
    .flatMap((d) => quote(`Comment from ${personLabel(d.by)}`, d.comment));
}

function commentsOrReason(request: RequestSnapshot, kind: string, decision: string): Block[] {
  const blocks = comments(request, kind, decision);
  return blocks.length > 0 ? blocks : quote("Reason", request.closeReason);
}

function quote(label: string, value: string | null | undefined): Block[] {
  return value && value.trim() ? [{ kind: "quote", label, text: value.trim() }] : [];
}

function compactRows(rows: (readonly [string, string | null | undefined])[]): (readonly [string, string])[] {
  return rows.filter((row): row is readonly [string, string] => Boolean(row[1]));
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function personLabel(person: { email: string; name?: string | null }): string {
  return person.name && person.name !== person.email ? `${person.name} <${person.email}>` : person.email;
}

function requesterShort(request: RequestSnapshot): string {
  return request.requester.email;
}

function accountLabel(target: { accountId: string; accountName: string }): string {
  return target.accountName === target.accountId ? target.accountId : `${target.accountName} (${target.accountId})`;
}

function accessSummary(request: RequestSnapshot): string {
  const [first, ...rest] = [
    ...request.targets.map((t) => `${t.permissionSet} on ${t.accountName}`),
    ...request.groups.map((g) => g.label),
  ];
  if (!first) return "access";
  const more = rest.length > 0 ? ` and ${rest.length} more` : "";
  return `${first}${more}`;
}

function windowText(request: RequestSnapshot): string {
  return `${formatTime(request.window.startsAt)} to ${formatTime(request.window.endsAt)} (${request.durationMinutes} minutes)`;
}

/** "2025-03-04 09:30 UTC": one zone for everybody, as the portal pages show it. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function portalLink(links: EmailLinks, path: string): string {
  return `${links.appUrl.replace(/\/+$/, "")}${path}`;
}

/** Only an http(s) URL is linked; anything else would let a setting smuggle a javascript: link into mail. */
function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}

/** A header value on one line: no CR/LF or other controls that could start a new header. */
function oneLine(value: string): string {
  return value
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
}

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const FOOTER = "This is an automatic message from the JIT access portal; replies are not read.";

function toText(document: EmailDocument, links: EmailLinks): string {
  const lines: string[] = [document.heading, "=".repeat(Math.min(document.heading.length, 72)), ""];
  for (const block of document.blocks) {
    switch (block.kind) {
      case "paragraph":
        lines.push(block.text, "");
        break;
      case "warning":
        lines.push(`!! ${block.text}`, "");
        break;
      case "facts":
        for (const [label, value] of block.rows) lines.push(`${label}: ${value}`);
        lines.push("");
        break;
      case "quote":
        lines.push(`${block.label}:`, ...block.text.split("\n").map((line) => `> ${line}`), "");
        break;
      case "action":
        lines.push(`${block.label}: ${block.url}`, "");
        break;
    }
  }
  lines.push("--", FOOTER, portalLink(links, "/"));
  return lines.join("\n");
}

const STYLE = {
  body: "margin:0;padding:0;background:#f4f5f7;",
  card: "max-width:600px;margin:0 auto;padding:24px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1f2328;",
  heading: "margin:0 0 16px;font-size:20px;line-height:1.3;color:#1f2328;",
  paragraph: "margin:0 0 16px;",
  warning:
    "margin:0 0 16px;padding:12px 14px;border:2px solid #cf222e;border-radius:6px;background:#ffebe9;color:#82071e;font-weight:bold;",
  table: "border-collapse:collapse;margin:0 0 16px;width:100%;",
  label: "padding:4px 12px 4px 0;vertical-align:top;white-space:nowrap;color:#59636e;font-weight:bold;",
  value: "padding:4px 0;vertical-align:top;word-break:break-word;",
  quoteLabel: "margin:0 0 4px;color:#59636e;font-weight:bold;",
  quote: "margin:0 0 16px;padding:8px 12px;border-left:4px solid #d1d9e0;background:#f6f8fa;white-space:pre-wrap;",
  button:
    "display:inline-block;padding:10px 18px;border-radius:6px;background:#0969da;color:#ffffff;text-decoration:none;font-weight:bold;",
  footer: "margin:24px 0 0;padding-top:12px;border-top:1px solid #d1d9e0;font-size:12px;color:#59636e;",
} as const;

function toHtml(document: EmailDocument, links: EmailLinks): string {
  const parts = document.blocks.map((block) => {
    switch (block.kind) {
      case "paragraph":
        return `<p style="${STYLE.paragraph}">${escapeHtml(block.text)}</p>`;
      case "warning":
        return `<p style="${STYLE.warning}">${escapeHtml(block.text)}</p>`;
      case "facts":
        return `<table role="presentation" style="${STYLE.table}">${block.rows
          .map(
            ([label, value]) =>
              `<tr><td style="${STYLE.label}">${escapeHtml(label)}</td><td style="${STYLE.value}">${escapeHtml(value)}</td></tr>`,
          )
          .join("")}</table>`;
      case "quote":
        return `<p style="${STYLE.quoteLabel}">${escapeHtml(block.label)}</p><div style="${STYLE.quote}">${escapeHtml(block.text)}</div>`;
      case "action":
        return `<p style="${STYLE.paragraph}"><a href="${escapeHtml(block.url)}" style="${STYLE.button}">${escapeHtml(block.label)}</a></p>`;
    }
  });
  const home = portalLink(links, "/");
  return [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(oneLine(document.subject))}</title></head>`,
    `<body style="${STYLE.body}"><div style="${STYLE.card}">`,
    `<h1 style="${STYLE.heading}">${escapeHtml(document.heading)}</h1>`,
    ...parts,
    `<p style="${STYLE.footer}">${escapeHtml(FOOTER)} <a href="${escapeHtml(home)}" style="color:#59636e;">${escapeHtml(home)}</a></p>`,
    "</div></body></html>",
  ].join("\n");
}

import { describe, expect, it } from "vitest";
import { NOTIFICATION_EVENTS, type NotificationEventType } from "../../domain/notifications";
import { escapeHtml, renderEmail, type EmailEventType, type RenderedEmail } from "./templates";

const APP = "https://portal.example.com";
const ACCESS_PORTAL = "https://d-1234567890.awsapps.com/start";
const links = { appUrl: APP, accessPortalUrl: ACCESS_PORTAL };
const EVIL = `<script>alert("x")</script><a href="https://evil.example/approve">approve</a>`;

function snapshot(overrides: Record<string, unknown> = {}) {
  return {
    id: "req_123",
    status: "PENDING",
    requester: { email: "alice@example.com", name: "Alice Example" },
    targets: [{ accountId: "111122223333", accountName: "payments-prod", permissionSet: "AdministratorAccess" }],
    justification: "Investigating the payments incident\nsecond line",
    ticket: "INC-42",
    durationMinutes: 60,
    window: { startsAt: "2030-01-07T10:00:00.000Z", endsAt: "2030-01-07T11:00:00.000Z" },
    rules: ["payments-admin"],
    risks: [
      { flag: "administrator", label: "Administrator access" },
      { flag: "production", label: "Production account" },
    ],
    approvals: { required: 2, distinctGroups: true },
    approvalExpiresAt: "2030-01-07T10:45:00.000Z",
    escalated: false,
    decisions: [] as unknown[],
    extension: null as unknown,
    closeReason: null as string | null,
    ...overrides,
  };
}

function payload(type: NotificationEventType, request: unknown, extra: Record<string, unknown> = {}) {
  return {
    type,
    occurredAt: "2030-01-07T10:00:00.000Z",
    summary: NOTIFICATION_EVENTS[type].summary,
    ...(request ? { request } : {}),
    subject: { type: "request", id: "req_123", details: null, reason: null },
    portalUrl: `${APP}/requests/req_123`,
    ...extra,
  };
}

const bobApproves = {
  kind: "REQUEST",
  decision: "APPROVE",
  by: { email: "bob@example.com", name: "Bob" },
  comment: "Fine for the incident",
  at: "2030-01-07T10:05:00.000Z",
};
const bobDenies = { ...bobApproves, decision: "DENY", comment: "Use the read-only role first" };
const extension = { minutes: 30, justification: "The fix is still rolling out" };

interface Case {
  type: EmailEventType;
  payload: unknown;
  subject: RegExp;
  text: string[];
  links: string[];
}

const requestLink = `${APP}/requests/req_123`;

const cases: Case[] = [
  {
    type: "request.waiting",
    payload: payload("request.waiting", snapshot({ decisions: [bobApproves] })),
    subject: /^Approval needed \[risk\]: alice@example\.com wants AdministratorAccess on payments-prod$/,
    text: [
      "!! Risk: Administrator access · Production account",
      "Alice Example <alice@example.com>",
      "AdministratorAccess on payments-prod (111122223333)",
      "2030-01-07 10:00 UTC to 2030-01-07 11:00 UTC (60 minutes)",
      "INC-42",
      "payments-admin",
      "1 of 2 given, from different approver groups (Bob <bob@example.com>)",
      "Decide by:",
      "> Investigating the payments incident\n> second line",
      `Review the request: ${requestLink}`,
    ],
    links: [requestLink],
  },
  {
    type: "approval.reminder",
    payload: payload("approval.reminder", snapshot()),
    subject: /^Reminder: approval needed \[risk\]: alice@example\.com wants/,
    text: ["still waiting", "0 of 2 given", `Review the request: ${requestLink}`],
    links: [requestLink],
  },
  {
    type: "approval.escalated",
    payload: payload("approval.escalated", snapshot({ escalated: true, risks: [] })),
    subject: /^Escalated: approval needed: alice@example\.com wants AdministratorAccess on payments-prod$/,
    text: ["escalation approver", `Review the request: ${requestLink}`],
    links: [requestLink],
  },
  {
    type: "extension.waiting",
    payload: payload("extension.waiting", snapshot({ status: "ACTIVE", extension })),
    subject: /^Extension approval needed: alice@example\.com wants 30 more minutes of AdministratorAccess/,
    text: [
      "30 minutes longer",
      "> The fix is still rolling out",
      "0 of 2 given",
      `Review the extension: ${requestLink}`,
    ],
    links: [requestLink],
  },
  {
    type: "request.approved",
    payload: payload("request.approved", snapshot({ status: "APPROVED", decisions: [bobApproves] })),
    subject: /^Approved: AdministratorAccess on payments-prod$/,
    text: ["Approved by: Bob <bob@example.com>", "> Fine for the incident", `Open the request: ${requestLink}`],
    links: [requestLink],
  },
  {
    type: "request.denied",
    payload: payload("request.denied", snapshot({ status: "DENIED", decisions: [bobDenies] })),
    subject: /^Denied: AdministratorAccess on payments-prod$/,
    text: ["Denied by:", "Comment from Bob <bob@example.com>:", "> Use the read-only role first"],
    links: [requestLink],
  },
  {
    type: "request.expired",
    payload: payload("request.expired", snapshot({ status: "EXPIRED" })),
    subject: /^Expired: /,
    text: ["No approver decided by 2030-01-07 10:45 UTC"],
    links: [requestLink],
  },
  {
    type: "access.active",
    payload: payload("access.active", snapshot({ status: "ACTIVE" }), { accessPortalUrl: ACCESS_PORTAL }),
    subject: /^Active now: AdministratorAccess on payments-prod$/,
    text: ["active until 2030-01-07 11:00 UTC", `Open the AWS access portal: ${ACCESS_PORTAL}`],
    links: [ACCESS_PORTAL, requestLink],
  },
  {
    type: "access.ending",
    payload: payload("access.ending", snapshot({ status: "ACTIVE" }), { endingInMinutes: 10 }),
    subject: /^Ends in 10 minutes: AdministratorAccess on payments-prod$/,
    text: ["ends at 2030-01-07 11:00 UTC", `Extend on the request page: ${requestLink}`],
    links: [requestLink],
  },
  {
    type: "access.ended",
    payload: payload("access.ended", snapshot({ status: "COMPLETED" })),
    subject: /^Ended: /,
    text: ["verified that the assignment was removed"],
    links: [requestLink],
  },
  {
    type: "access.revoked",
    payload: payload("access.revoked", snapshot({ status: "REVOKED", closeReason: "Incident closed" })),
    subject: /^Revoked: /,
    text: ["Reason:\n> Incident closed"],
    links: [requestLink],
  },
  {
    type: "access.failed",
    payload: payload("access.failed", snapshot({ status: "FAILED" })),
    subject: /^Failed: /,
    text: ["could not grant your access"],
    links: [requestLink],
  },
  {
    type: "extension.approved",
    payload: payload(
      "extension.approved",
      snapshot({ status: "ACTIVE", extension, decisions: [{ ...bobApproves, kind: "EXTENSION" }] }),
    ),
    subject: /^Extension approved: /,
    text: ["extension of 30 minutes was approved", "Approved by: Bob <bob@example.com>"],
    links: [requestLink],
  },
  {
    type: "extension.denied",
    payload: payload(
      "extension.denied",
      snapshot({ status: "ACTIVE", extension, decisions: [{ ...bobDenies, kind: "EXTENSION" }] }),
    ),
    subject: /^Extension denied: /,
    text: ["still ends at 2030-01-07 11:00 UTC", "> Use the read-only role first"],
    links: [requestLink],
  },
  {
    type: "removal.alert",
    payload: payload("removal.alert", snapshot({ status: "REVOKED" }), {
      subject: {
        type: "alert",
        id: "alert_1",
        details: { kind: "REMOVAL_UNVERIFIED", severity: "HIGH", subject: "alice on payments-prod still assigned" },
        reason: null,
      },
    }),
    subject: /^Security alert: alice on payments-prod still assigned$/,
    text: ["!! The portal could not verify", "Severity:", "HIGH", `Open the admin page: ${APP}/admin`],
    links: [`${APP}/admin`, requestLink],
  },
  {
    type: "drift.found",
    payload: payload("drift.found", null, {
      subject: {
        type: "drift",
        id: "drift_1",
        details: {
          kind: "OUT_OF_BAND_ASSIGNMENT",
          accountId: "111122223333",
          permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
          principalId: "user-9",
          actionTaken: null,
        },
        reason: null,
      },
    }),
    subject: /^Security: An assignment exists that nobody requested through the portal in 111122223333$/,
    text: ["ps-1", "user-9", "Action taken: reported only", `Open the admin page: ${APP}/admin`],
    links: [`${APP}/admin`],
  },
  {
    type: "policy.reloaded",
    payload: payload("policy.reloaded", null, {
      subject: {
        type: "policy",
        id: "pol_1",
        details: { policyId: "pol_1", contentHash: "abc123", source: "policy/policy.yaml" },
        reason: null,
      },
    }),
    subject: /^Security: the access policy was reloaded$/,
    text: ["policy/policy.yaml", "abc123", `Open the policy page: ${APP}/policy`],
    links: [`${APP}/policy`],
  },
  {
    type: "breakglass.used",
    payload: payload("breakglass.used", snapshot({ status: "APPROVED", ticket: "INC-4711" }), {
      subject: {
        type: "request",
        id: "req_123",
        details: { incident: "INC-4711" },
        reason: "Payments API down, restarting the cluster",
      },
    }),
    subject: /^Security: emergency access used by /,
    text: [
      "!! Someone broke glass",
      "Incident: INC-4711",
      "Payments API down",
      `Review on the break-glass page: ${APP}/break-glass`,
    ],
    links: [`${APP}/break-glass`, requestLink],
  },
  {
    type: "breakglass.unreviewed",
    payload: payload("breakglass.unreviewed", snapshot({ status: "COMPLETED" }), {
      subject: { type: "request", id: "req_123", details: { useId: "use_1" }, reason: null },
    }),
    subject: /^Security: an emergency access use is still not reviewed$/,
    text: ["nobody has reviewed it yet", `Review on the break-glass page: ${APP}/break-glass`],
    links: [`${APP}/break-glass`],
  },
];

function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
}

function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Text without the plain-text layout (warning and quote markers, label colons, line breaks). */
function normalize(text: string): string {
  return text
    .replace(/^(!!|>) /gm, "")
    .replace(/:/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

function rendered(type: NotificationEventType, body: unknown, with_ = links): RenderedEmail {
  const result = renderEmail(type, body, with_);
  if (!result.ok) throw new Error(result.reason);
  return result.email;
}

describe("email templates", () => {
  it("covers every event people hear about, and only those", () => {
    const mailed = Object.keys(NOTIFICATION_EVENTS).filter((type) => type !== "request.updated");
    expect(cases.map((c) => c.type).sort()).toEqual(mailed.sort());
    expect(renderEmail("request.updated", payload("request.updated", snapshot()), links)).toMatchObject({
      ok: false,
    });
  });

  it.each(cases)("$type: subject, a complete text version, and links only to the portal", (c) => {
    const email = rendered(c.type, c.payload);
    expect(email.subject).toMatch(c.subject);
    for (const fragment of c.text) expect(email.text).toContain(fragment);
    // The HTML version says the same (links as anchors rather than spelled out).
    const htmlText = normalize(visibleText(email.html));
    for (const fragment of c.text) expect(htmlText).toContain(normalize(fragment.replace(/: https?:\/\/\S+$/, "")));
    const found = hrefs(email.html);
    for (const link of c.links) expect(found).toContain(link);
    for (const href of found) expect(href.startsWith(`${APP}/`) || href === ACCESS_PORTAL).toBe(true);
    // Every link in the text version points at the portal or the access portal too.
    for (const url of email.text.match(/https?:\/\/\S+/g) ?? [])
      expect(url.startsWith(`${APP}/`) || url === ACCESS_PORTAL).toBe(true);
  });

  it.each(cases)("$type: no approve or deny link, only pages that need a signed-in POST to decide", (c) => {
    const email = rendered(c.type, c.payload);
    for (const href of hrefs(email.html)) {
      expect(href).not.toMatch(/approve|deny|decide|decision|token|[?&]action=/i);
      expect(new URL(href).search).toBe("");
    }
    expect(email.html).not.toMatch(/<form|<script|<button|javascript:/i);
  });

  it.each(cases)("$type: user text is HTML-escaped everywhere", (c) => {
    const hostile = JSON.parse(
      JSON.stringify(c.payload)
        .replaceAll("Investigating the payments incident", EVIL.replaceAll('"', '\\"'))
        .replaceAll("Alice Example", "Alice <img src=x onerror=alert(1)>")
        .replaceAll("Use the read-only role first", EVIL.replaceAll('"', '\\"'))
        .replaceAll("Fine for the incident", EVIL.replaceAll('"', '\\"'))
        .replaceAll("Incident closed", EVIL.replaceAll('"', '\\"'))
        .replaceAll("The fix is still rolling out", EVIL.replaceAll('"', '\\"'))
        .replaceAll("alice on payments-prod still assigned", EVIL.replaceAll('"', '\\"'))
        .replaceAll("policy/policy.yaml", EVIL.replaceAll('"', '\\"')),
    ) as unknown;
    const email = rendered(c.type, hostile);
    expect(email.html).not.toContain("<script");
    expect(email.html).not.toContain("<img");
    expect(email.html).not.toContain('evil.example/approve">');
    expect(hrefs(email.html).some((h) => h.includes("evil"))).toBe(false);
    if (JSON.stringify(hostile).includes("<script")) {
      const visible = email.html.includes(escapeHtml(EVIL)) || email.html.includes("&lt;img src=x");
      expect(visible).toBe(true);
    }
  });

  it("keeps the subject on one line whatever the requester's name holds", () => {
    const email = rendered(
      "request.waiting",
      payload(
        "request.waiting",
        snapshot({ requester: { email: "alice@example.com\r\nBcc: victim@example.com", name: null } }),
      ),
    );
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toContain("alice@example.com Bcc:");
  });

  it("leaves out the access portal link when it is unknown or not http(s)", () => {
    const body = payload("access.active", snapshot({ status: "ACTIVE" }));
    for (const accessPortalUrl of [undefined, null, "javascript:alert(1)", "not a url"]) {
      const email = rendered("access.active", body, { appUrl: APP, accessPortalUrl } as typeof links);
      expect(hrefs(email.html)).toEqual([requestLink, `${APP}/`]);
      expect(email.text).not.toContain("AWS access portal:");
    }
  });

  it("builds the request link from the portal origin and an encoded id, never from the payload's URL", () => {
    const body = payload("request.approved", snapshot({ id: "../admin?x=1" }), {
      portalUrl: "https://evil.example/requests/req_123",
    });
    const email = rendered("request.approved", body);
    expect(hrefs(email.html)).toContain(`${APP}/requests/..%2Fadmin%3Fx%3D1`);
    expect(email.html).not.toContain("evil.example");
  });

  it("names a group membership in the subject and the facts instead of an empty target list", () => {
    const label = 'membership of Identity Center group "prod-db-admins"';
    const group = snapshot({ targets: [], groups: [{ name: "prod-db-admins", label }], risks: [] });
    for (const type of ["request.waiting", "request.approved", "access.active", "access.ended"] as const) {
      const email = rendered(
        type,
        payload(type, { ...group, status: type === "request.waiting" ? "PENDING" : "ACTIVE" }),
      );
      expect(email.text, type).toContain(label);
      expect(email.html, type).toContain(escapeHtml(label));
    }
    expect(rendered("request.waiting", payload("request.waiting", group)).subject).toContain(label);
  });

  it("refuses a payload that is not a snapshot instead of sending a broken mail", () => {
    expect(renderEmail("request.waiting", { request: { id: 1 } }, links)).toMatchObject({ ok: false });
    expect(renderEmail("request.approved", payload("request.approved", null), links)).toMatchObject({ ok: false });
    expect(renderEmail("drift.found", "nonsense", links)).toMatchObject({ ok: false });
  });
});

import { describe, expect, it } from "vitest";
import { NOTIFICATION_EVENTS, type NotificationEventType } from "../../domain/notifications";
import {
  approvalMessage,
  approvalProgress,
  escapeMrkdwn,
  MAX_BLOCKS,
  MAX_FIELD_TEXT,
  MAX_FIELDS,
  MAX_SECTION_TEXT,
  NotificationPayload as NotificationPayloadSchema,
  renderNotification,
  slackDate,
  type Block,
  type NotificationPayload,
  type RequestSnapshot,
} from "./blocks";

const request = (overrides: Partial<RequestSnapshot> = {}): RequestSnapshot => ({
  id: "req_1",
  status: "PENDING",
  requester: { email: "alice@example.com", name: "Alice Engineer" },
  targets: [{ accountId: "210987654321", accountName: "payments-prod", permissionSet: "AdministratorAccess" }],
  groups: [],
  justification: "Investigating the payments incident",
  ticket: "PAY-42",
  durationMinutes: 90,
  window: { startsAt: "2026-01-05T10:00:00.000Z", endsAt: "2026-01-05T11:30:00.000Z" },
  rules: ["payments-engineers-admin"],
  risks: [
    { flag: "administrator", label: "Administrator access" },
    { flag: "production", label: "Production account" },
  ],
  approvals: { required: 2, distinctGroups: true },
  approvalExpiresAt: "2026-01-06T10:00:00.000Z",
  escalated: false,
  decisions: [],
  extension: null,
  closeReason: null,
  portalUrl: "http://portal.test/requests/req_1",
  ...overrides,
});

const payload = (type: NotificationEventType, overrides: Partial<NotificationPayload> = {}): NotificationPayload => ({
  type,
  occurredAt: "2026-01-05T10:00:00.000Z",
  summary: NOTIFICATION_EVENTS[type].summary,
  request: request(),
  subject: { type: "request", id: "req_1", details: null, reason: null },
  portalUrl: "http://portal.test/requests/req_1",
  ...overrides,
});

/** Every piece of text Slack renders as mrkdwn in these blocks. */
function mrkdwnTexts(blocks: Block[]): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== "object") return;
    const obj = value as Record<string, unknown>;
    if (obj.type === "mrkdwn" && typeof obj.text === "string") out.push(obj.text);
    Object.values(obj).forEach(walk);
  };
  walk(blocks);
  return out;
}

const actionsOf = (blocks: Block[]) => blocks.find((b) => b.type === "actions") as { elements: Block[] } | undefined;
const allText = (blocks: Block[]) => JSON.stringify(blocks);

describe("escapeMrkdwn", () => {
  it.each([
    ["<!channel> approve me", "&lt;!channel&gt; approve me"],
    ["<@U0BOB>", "&lt;@U0BOB&gt;"],
    ["<https://evil.test|the portal>", "&lt;https://evil.test|the portal&gt;"],
    ["R&D <b>", "R&amp;D &lt;b&gt;"],
    ["&lt; already", "&amp;lt; already"],
    ["plain text", "plain text"],
  ])("%s", (input, expected) => expect(escapeMrkdwn(input)).toBe(expected));
});

describe("approval message", () => {
  it("shows requester, accounts with ids, permission set, duration, window, justification, ticket, rule", () => {
    const text = mrkdwnTexts(approvalMessage(request()).blocks).join("\n");
    for (const part of [
      "Alice Engineer",
      "alice@example.com",
      "payments-prod",
      "210987654321",
      "AdministratorAccess",
      "1 h 30 min",
      "<!date^1767607200^{date_short_pretty} {time}|2026-01-05 10:00 UTC>",
      "Investigating the payments incident",
      "PAY-42",
      "payments-engineers-admin",
    ])
      expect(text).toContain(part);
  });

  it.each([
    [["administrator", "production"], ":warning: *Administrator access on a production account*"],
    [["administrator"], ":warning: *Administrator access*"],
    [["production"], ":warning: *Production account*"],
  ])("risk %j stands out as %s", (flags, line) => {
    const blocks = approvalMessage(request({ risks: flags.map((flag) => ({ flag, label: flag })) })).blocks;
    expect(mrkdwnTexts(blocks)).toContain(line);
  });

  it("a harmless request has no warning", () => {
    const blocks = approvalMessage(request({ risks: [{ flag: "no-ticket", label: "No ticket" }] })).blocks;
    expect(allText(blocks)).not.toContain(":warning:");
    expect(mrkdwnTexts(blocks).join()).toContain("No ticket");
  });

  it("waiting: Approve (primary, confirmed) and Deny buttons carry only the request id, plus a portal link", () => {
    const actions = actionsOf(approvalMessage(request()).blocks)!;
    const [approve, deny, open] = actions.elements as Record<string, unknown>[];
    expect(approve).toMatchObject({ action_id: "approval.approve", style: "primary", value: "req_1" });
    expect(approve!.confirm).toMatchObject({ confirm: { text: "Approve" }, deny: { text: "Cancel" } });
    expect(deny).toMatchObject({ action_id: "approval.deny", style: "danger", value: "req_1" });
    expect(open).toMatchObject({ url: "http://portal.test/requests/req_1" });
  });

  it("quorum progress names who approved through which group", () => {
    const decided = request({
      decisions: [
        {
          kind: "REQUEST",
          decision: "APPROVE",
          by: { email: "bob@example.com", name: "bob" },
          at: "2026-01-05T10:05:00.000Z",
          viaGroups: ["approvers"],
        },
      ],
    });
    expect(approvalProgress(decided)).toBe("1 of 2 approvals, from distinct groups: bob (approvers)");
    expect(mrkdwnTexts(approvalMessage(decided).blocks).join()).toContain("1 of 2 approvals");
    expect(actionsOf(approvalMessage(decided).blocks)).toBeDefined();
  });

  const bobApproves = {
    kind: "REQUEST",
    decision: "APPROVE" as const,
    by: { email: "bob@example.com", name: "bob" },
    at: "2026-01-05T10:05:00.000Z",
  };
  it.each([
    ["APPROVED", [bobApproves], "Approved by *bob* at <!date^"],
    [
      "DENIED",
      [{ ...bobApproves, decision: "DENY" as const, comment: "Use <!here> read-only" }],
      "Denied by *bob*: Use &lt;!here&gt; read-only",
    ],
    ["EXPIRED", [], "Expired without a decision"],
    ["CANCELLED", [], "Cancelled by the requester"],
  ])("closed as %s: no buttons, an outcome line, new block ids", (status, decisions, line) => {
    const open = approvalMessage(request());
    const closed = approvalMessage(request({ status, decisions }));
    expect(actionsOf(closed.blocks)).toBeUndefined();
    expect(mrkdwnTexts(closed.blocks).join("\n")).toContain(line);
    const openIds = new Set(open.blocks.map((b) => b.block_id).filter(Boolean));
    for (const block of closed.blocks) if (block.block_id) expect(openIds.has(block.block_id)).toBe(false);
  });

  it.each([
    ["approval.reminder", "Reminder"],
    ["approval.escalated", "Escalated"],
    ["request.waiting", "Access request waiting"],
  ] as const)("%s is the approval message again under a %s header", (type, heading) => {
    const message = renderNotification(
      payload(type, { request: request({ escalated: type === "approval.escalated" }) }),
    );
    expect((message.blocks[0] as { text: { text: string } }).text.text).toContain(heading);
    expect(actionsOf(message.blocks)).toBeDefined();
  });

  it("the current state wins over the snapshot (a post after a quick decision already shows it)", () => {
    const message = renderNotification(
      payload("request.waiting"),
      request({ status: "APPROVED", decisions: [bobApproves] }),
    );
    expect(actionsOf(message.blocks)).toBeUndefined();
  });
});

describe("user text cannot inject mentions or links", () => {
  const hostile = "<!channel> <@U0BOB> <https://evil.test|click> & more";
  const fields: [string, Partial<RequestSnapshot>][] = [
    ["justification", { justification: hostile }],
    ["ticket", { ticket: hostile }],
    ["requester name", { requester: { email: "alice@example.com", name: hostile } }],
    ["account name", { targets: [{ accountId: "1", accountName: hostile, permissionSet: "ReadOnly" }] }],
    ["permission set", { targets: [{ accountId: "1", accountName: "a", permissionSet: hostile }] }],
    ["rule id", { rules: [hostile] }],
  ];
  const types = (Object.keys(NOTIFICATION_EVENTS) as NotificationEventType[]).filter(
    (t) => NOTIFICATION_EVENTS[t].audience !== "security",
  );
  for (const [name, overrides] of fields)
    it.each(types)(`${name} in %s`, (type) => {
      const message = renderNotification(
        payload(type, { request: request({ ...overrides, extension: { minutes: 30, justification: hostile } }) }),
      );
      // The fallback text (push notifications) too.
      for (const text of [...mrkdwnTexts(message.blocks), message.text]) {
        expect(text).not.toContain("<!channel>");
        expect(text).not.toContain("<@U0BOB>");
        expect(text).not.toContain("<https://evil.test");
      }
    });

  it("security details are escaped too", () => {
    const message = renderNotification(
      payload("drift.found", {
        request: undefined,
        subject: { type: "drift", id: "d1", details: { accountName: hostile }, reason: hostile },
      }),
    );
    for (const text of mrkdwnTexts(message.blocks)) expect(text).not.toContain("<!channel>");
  });
});

describe("limits", () => {
  it("a huge request stays within Slack's block, section and field limits", () => {
    const long = "x".repeat(10_000);
    const targets = Array.from({ length: 300 }, (_, i) => ({
      accountId: String(100000000000 + i),
      accountName: `account-${i}-${"y".repeat(50)}`,
      permissionSet: `Set${i}`,
    }));
    const messages = (Object.keys(NOTIFICATION_EVENTS) as NotificationEventType[]).map((type) =>
      renderNotification(
        payload(type, {
          request: request({
            justification: long,
            ticket: long,
            targets,
            extension: { minutes: 30, justification: long },
          }),
          subject: {
            type: "x",
            id: "y",
            details: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, long])),
            reason: long,
          },
        }),
      ),
    );
    for (const message of messages) {
      expect(message.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
      expect(message.text.length).toBeLessThanOrEqual(3000);
      for (const block of message.blocks) {
        const text = (block.text as { text?: string } | undefined)?.text;
        if (text) expect(text.length).toBeLessThanOrEqual(MAX_SECTION_TEXT);
        const blockFields = (block.fields as { text: string }[] | undefined) ?? [];
        expect(blockFields.length).toBeLessThanOrEqual(MAX_FIELDS);
        for (const field of blockFields) expect(field.text.length).toBeLessThanOrEqual(MAX_FIELD_TEXT);
        if (block.block_id) expect(String(block.block_id).length).toBeLessThanOrEqual(255);
      }
    }
  });

  it("clipping never leaves half an entity", () => {
    const message = approvalMessage(request({ justification: "<".repeat(5000) }));
    const why = mrkdwnTexts(message.blocks).find((t) => t.startsWith("*Justification*"))!;
    expect(why.endsWith("…")).toBe(true);
    expect(why).toMatch(/&lt;…$/);
  });
});

describe("requester and security messages", () => {
  it.each([
    ["request.approved", "approved"],
    ["request.expired", "expired without a decision"],
    ["access.ended", "removal was verified"],
    ["access.revoked", "revoked"],
    ["access.failed", "could not be granted"],
    ["extension.approved", "extension was approved"],
  ] as const)("%s says %s", (type, words) => {
    expect(mrkdwnTexts(renderNotification(payload(type)).blocks).join()).toContain(words);
  });

  it("a denial carries the denier and the comment", () => {
    const denied = request({
      status: "DENIED",
      decisions: [
        {
          kind: "REQUEST",
          decision: "DENY",
          by: { email: "b", name: "bob" },
          comment: "Use read-only",
          at: "2026-01-05T10:00:00Z",
        },
      ],
    });
    const text = mrkdwnTexts(renderNotification(payload("request.denied", { request: denied })).blocks).join();
    expect(text).toContain("denied* by bob");
    expect(text).toContain("Use read-only");
  });

  it("access active links the AWS access portal and shows the window", () => {
    const text = mrkdwnTexts(
      renderNotification(payload("access.active", { accessPortalUrl: "https://d-123.awsapps.com/start" })).blocks,
    ).join();
    expect(text).toContain("<https://d-123.awsapps.com/start|");
    expect(text).toContain("<!date^");
  });

  it("access ending offers Extend as a link to the portal request page", () => {
    const message = renderNotification(payload("access.ending", { endingInMinutes: 10 }));
    expect(mrkdwnTexts(message.blocks).join()).toContain("ends in 10 minutes");
    expect(actionsOf(message.blocks)!.elements[0]).toMatchObject({
      text: { text: "Extend" },
      url: "http://portal.test/requests/req_1",
    });
  });

  it.each(["removal.alert", "drift.found", "policy.reloaded"] as const)(
    "%s renders for the security channel",
    (type) => {
      const message = renderNotification(
        payload(type, {
          request: undefined,
          subject: { type: "x", id: "1", details: { kind: "LINGERING", accountId: "1" }, reason: null },
        }),
      );
      expect(message.blocks.length).toBeGreaterThan(1);
      expect(mrkdwnTexts(message.blocks).join()).toContain("LINGERING");
    },
  );
});

describe("a group membership request", () => {
  const label = 'membership of Identity Center group "prod-db-admins"';
  const groupRequest = request({ targets: [], groups: [{ name: "prod-db-admins", label }], risks: [] });

  it("names the group membership instead of accounts, in the facts, the confirm text and the fallback", () => {
    const message = approvalMessage(groupRequest);
    const text = mrkdwnTexts(message.blocks).join("\n");
    expect(text).toContain(`*Access*\n${label}`);
    expect(text).not.toContain("*Accounts*");
    const [approve] = actionsOf(message.blocks)!.elements as { confirm: { text: { text: string } } }[];
    expect(approve!.confirm.text.text).toContain(`Grants ${label} for 1 h 30 min`);
    expect(message.text).toContain(label);
  });

  it.each(["request.approved", "access.active", "access.ended", "access.revoked"] as const)(
    "%s tells the requester which group",
    (type) => {
      const text = mrkdwnTexts(renderNotification(payload(type, { request: groupRequest })).blocks).join();
      expect(text).toContain(label);
    },
  );

  it("a payload written before group targets reads as no groups", () => {
    const old: Record<string, unknown> = { ...request() };
    delete old.groups;
    const parsed = NotificationPayloadSchema.parse({ ...payload("request.waiting"), request: old });
    expect(parsed.request!.groups).toEqual([]);
  });
});

describe("slackDate", () => {
  it("has a UTC fallback and survives garbage", () => {
    expect(slackDate("2026-01-05T10:00:00.000Z")).toBe(
      "<!date^1767607200^{date_short_pretty} {time}|2026-01-05 10:00 UTC>",
    );
    expect(slackDate("<nope>")).toBe("&lt;nope&gt;");
  });
});

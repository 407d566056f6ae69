import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NotificationEventType } from "../../domain/notifications";
import type { ChannelSender, ClaimedDelivery } from "../../services/notifications/channel-sender";
import type { EmailSettings } from "../../services/notifications/settings";
import { createEmailSender, failureKind, transportUrl } from "./email-sender";
import { startSmtpTestSink, type SmtpTestSink } from "./smtp-test-sink";

const APP = "http://portal.test";
const PASSWORD = "s3cret-smtp-passw0rd";
const links = { appUrl: APP, accessPortalUrl: "https://d-123.awsapps.com/start" };

let sink: SmtpTestSink;
const senders: ChannelSender[] = [];

beforeAll(async () => {
  sink = await startSmtpTestSink({ credentials: { user: "portal", pass: PASSWORD } });
});

afterEach(async () => {
  // A pooled connection left open would hold the sink's close for its 30 s grace.
  await Promise.all(senders.splice(0).map((s) => s.close?.()));
  sink.inbox.length = 0;
});

afterAll(async () => {
  await sink?.close();
});

function sender(overrides: Partial<EmailSettings> = {}): ChannelSender {
  const created = createEmailSender(
    {
      smtpUrl: `smtp://portal:${PASSWORD}@127.0.0.1:${sink.port}`,
      from: "JIT portal <jit@example.com>",
      approvalsTo: [],
      securityTo: [],
      ...overrides,
    },
    links,
  );
  senders.push(created);
  return created;
}

function delivery(
  target: string,
  type: NotificationEventType = "request.waiting",
  id = "dlv_waiting_1",
): ClaimedDelivery {
  return {
    id,
    channel: "EMAIL",
    target,
    attempts: 1,
    createdAt: new Date("2030-01-07T10:00:00Z"),
    dueAt: new Date("2030-01-07T10:00:00Z"),
    maybeSent: false,
    notification: {
      id: "ntf_1",
      type,
      requestId: "req_42",
      createdAt: new Date("2030-01-07T10:00:00Z"),
      payload: {
        type,
        request: {
          id: "req_42",
          status: "PENDING",
          requester: { email: "alice@example.com", name: "Alice" },
          targets: [{ accountId: "111122223333", accountName: "payments-prod", permissionSet: "PowerUser" }],
          justification: "Incident <b>42</b>",
          ticket: null,
          durationMinutes: 60,
          window: { startsAt: "2030-01-07T10:00:00.000Z", endsAt: "2030-01-07T11:00:00.000Z" },
          rules: ["payments-power"],
          risks: [{ flag: "production", label: "Production account" }],
          approvals: { required: 1, distinctGroups: false },
          approvalExpiresAt: "2030-01-07T11:00:00.000Z",
          escalated: false,
          decisions: [],
          extension: null,
          closeReason: null,
        },
      },
    },
  };
}

describe("email sender against a real SMTP server", () => {
  it("delivers the text and HTML versions with the event's subject and headers", async () => {
    const outcome = await sender().send(delivery("bob@example.com"));
    expect(outcome).toMatchObject({ status: "sent", externalRef: expect.stringMatching(/^250/) });
    const [received] = await sink.waitFor(1);
    const { mail, envelopeTo } = received!;
    expect(envelopeTo).toEqual(["bob@example.com"]);
    expect(mail.from?.text).toBe('"JIT portal" <jit@example.com>');
    expect(mail.subject).toBe("Approval needed [risk]: alice@example.com wants PowerUser on payments-prod");
    expect(mail.text).toContain(`Review the request: ${APP}/requests/req_42`);
    expect(mail.text).toContain("> Incident <b>42</b>");
    expect(mail.html).toContain(`href="${APP}/requests/req_42"`);
    expect(mail.html).toContain("Incident &lt;b&gt;42&lt;/b&gt;");
    expect(mail.headers.get("x-jit-event")).toBe("request.waiting");
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("keeps one Message-ID across attempts of a delivery, so the receiver can drop the duplicate", async () => {
    const mail = sender();
    expect((await mail.send(delivery("bob@example.com"))).status).toBe("sent");
    expect((await mail.send({ ...delivery("bob@example.com"), attempts: 2 })).status).toBe("sent");
    expect((await mail.send(delivery("bob@example.com", "request.waiting", "dlv_other"))).status).toBe("sent");
    const ids = (await sink.waitFor(3)).map((r) => r.mail.messageId);
    expect(ids).toEqual(["<dlv_waiting_1@jit-portal>", "<dlv_waiting_1@jit-portal>", "<dlv_other@jit-portal>"]);
  });

  it("a recipient the server rejects with 550 is a permanent failure, without the SMTP password", async () => {
    const outcome = await sender().send(delivery("reject-550@example.com"));
    expect(outcome).toMatchObject({ status: "failed", failure: { kind: "permanent" } });
    const error = outcome.status === "failed" && "error" in outcome.failure ? outcome.failure.error : "";
    expect(error).toContain("550");
    expect(error).not.toContain(PASSWORD);
    expect(sink.inbox).toHaveLength(0);
  });

  it("a 4xx answer is transient", async () => {
    const outcome = await sender().send(delivery("busy-451@example.com"));
    expect(outcome).toMatchObject({ status: "failed", failure: { kind: "transient" } });
  });

  it("a server that is down is transient, and the error does not carry the SMTP URL's password", async () => {
    const gone = await startSmtpTestSink();
    const port = gone.port;
    await gone.close();
    const outcome = await sender({ smtpUrl: `smtp://portal:${PASSWORD}@127.0.0.1:${port}` }).send(
      delivery("bob@example.com"),
    );
    expect(outcome).toMatchObject({ status: "failed", failure: { kind: "transient" } });
    expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
  });

  it("wrong SMTP credentials are retried (an operator can fix them), never shown", async () => {
    const outcome = await sender({ smtpUrl: `smtp://portal:wrong-${PASSWORD}@127.0.0.1:${sink.port}` }).send(
      delivery("bob@example.com"),
    );
    expect(outcome).toMatchObject({ status: "failed", failure: { kind: "transient" } });
    expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
  });

  it("talks to a sink that still advertises STARTTLS when the URL says ignoreTLS=true", async () => {
    const tlsSink = await startSmtpTestSink({ starttls: true });
    try {
      const mail = sender({ smtpUrl: `smtp://127.0.0.1:${tlsSink.port}?ignoreTLS=true` });
      expect((await mail.send(delivery("bob@example.com"))).status).toBe("sent");
      expect(await tlsSink.waitFor(1)).toHaveLength(1);
      await mail.close?.();
    } finally {
      await tlsSink.close();
    }
  });

  it("sends nothing for Slack-only re-renders, several addresses in one target, or a payload it cannot read", async () => {
    const mail = sender();
    expect(await mail.send(delivery("bob@example.com", "request.updated"))).toMatchObject({ status: "skipped" });
    for (const target of ["bob@example.com, eve@example.com", "Eve <eve@example.com>", "not-an-address"])
      expect(await mail.send(delivery(target))).toMatchObject({ status: "failed", failure: { kind: "permanent" } });
    const broken = delivery("bob@example.com");
    broken.notification.payload = { request: { id: 7 } };
    expect(await mail.send(broken)).toMatchObject({ status: "failed", failure: { kind: "permanent" } });
    expect(sink.inbox).toHaveLength(0);
  });
});

describe("transport options and failure classes", () => {
  it("adds pooling and timeouts to SMTP_URL but keeps what the URL sets", () => {
    const url = new URL(transportUrl("smtp://u:p%40ss@mail.test:2525?ignoreTLS=true&socketTimeout=5000"));
    expect(url.searchParams.get("ignoreTLS")).toBe("true");
    expect(url.searchParams.get("socketTimeout")).toBe("5000");
    expect(url.searchParams.get("pool")).toBe("true");
    expect(url.searchParams.get("connectionTimeout")).toBe("10000");
    expect(url.password).toBe("p%40ss");
  });

  it.each([
    [{ code: "ECONNECTION" }, "transient"],
    [{ code: "ETIMEDOUT" }, "transient"],
    [{ responseCode: 421 }, "transient"],
    [{ responseCode: 451 }, "transient"],
    [{ responseCode: 535, code: "EAUTH" }, "transient"],
    [{ responseCode: 550 }, "permanent"],
    [{ responseCode: 553 }, "permanent"],
    [{ responseCode: 554 }, "permanent"],
    [null, "transient"],
  ] as const)("%j is %s", (error, kind) => {
    expect(failureKind(error)).toBe(kind);
  });
});

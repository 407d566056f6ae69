import nodemailer from "nodemailer";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMailSink, type MailSinkHandle, type StoredMessage } from ".";
import { MAIL_FRAME_SANDBOX } from "./pages";

const MAX_BYTES = 64 * 1024;
let sink: MailSinkHandle;

beforeAll(async () => {
  sink = await startMailSink({ smtpPort: 0, webPort: 0, maxMessageBytes: MAX_BYTES, capacity: 5 });
});
afterAll(() => sink.close());
beforeEach(() => sink.clear());

// A default transport: no ignoreTLS, so this also proves the sink does not offer a STARTTLS upgrade that would fail.
const transport = () => nodemailer.createTransport({ host: "127.0.0.1", port: sink.smtpPort, secure: false });

const approvalMail = {
  from: "JIT portal <portal@example.com>",
  to: "Bob <bob@example.com>",
  subject: "Approve alice's request",
  text: "Open http://127.0.0.1:3000/requests/r-1 to decide.",
  html: '<p>Alice asks for access.</p><p><a href="http://127.0.0.1:3000/requests/r-1">Review the request</a></p><script>alert(1)</script>',
};

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sink.webUrl}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

describe("mail sink", () => {
  it("receives a text+html mail from real nodemailer and the JSON API shows it parsed", async () => {
    const info = await transport().sendMail({ ...approvalMail, cc: "grace@example.com" });
    expect(info.accepted).toEqual(["bob@example.com", "grace@example.com"]);

    const list = await getJson<StoredMessage[]>("/api/messages?to=BOB@example.com");
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const { id } = list.body[0]!;
    const { body: message } = await getJson<StoredMessage>(`/api/messages/${id}`);
    expect(message).toMatchObject({
      id,
      envelope: { from: "portal@example.com", to: ["bob@example.com", "grace@example.com"] },
      messageId: info.messageId,
      from: '"JIT portal" <portal@example.com>',
      to: '"Bob" <bob@example.com>',
      cc: "grace@example.com",
      subject: "Approve alice's request",
      text: "Open http://127.0.0.1:3000/requests/r-1 to decide.",
    });
    expect(message.html).toContain('<a href="http://127.0.0.1:3000/requests/r-1">Review the request</a>');
    expect(message.headers["message-id"]).toBe(info.messageId);
    expect(message.headers.subject).toBe("Approve alice's request");
    expect(Date.parse(message.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("filters by envelope recipient, Bcc included", async () => {
    await transport().sendMail({ ...approvalMail, bcc: "carol@example.com" });
    await transport().sendMail({ ...approvalMail, to: "erin@example.com" });
    expect((await getJson<StoredMessage[]>("/api/messages?to=carol@example.com")).body).toHaveLength(1);
    expect((await getJson<StoredMessage[]>("/api/messages?to=erin@example.com")).body).toHaveLength(1);
    expect((await getJson<StoredMessage[]>("/api/messages?to=dave@example.com")).body).toEqual([]);
    expect((await getJson<StoredMessage[]>("/api/messages")).body).toHaveLength(2);
  });

  it("works with ignoreTLS as well (the option the portal may set for a plain-text sink)", async () => {
    const client = nodemailer.createTransport({
      host: "127.0.0.1",
      port: sink.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await client.sendMail(approvalMail);
    expect(sink.messages("bob@example.com")).toHaveLength(1);
  });

  it("refuses a mail over the size limit with 552 and keeps nothing", async () => {
    const error = await transport()
      .sendMail({ ...approvalMail, text: "x".repeat(MAX_BYTES * 2) })
      .catch((caught: unknown) => caught as { responseCode?: number });
    expect(error).toMatchObject({ responseCode: 552 });
    expect(sink.messages()).toEqual([]);
    // The sink still works afterwards.
    await transport().sendMail(approvalMail);
    expect(sink.messages()).toHaveLength(1);
  });

  it("keeps only the newest messages beyond its capacity", async () => {
    const client = transport();
    for (let n = 1; n <= 7; n++) await client.sendMail({ ...approvalMail, subject: `mail ${n}` });
    expect(sink.messages().map((message) => message.subject)).toEqual([
      "mail 7",
      "mail 6",
      "mail 5",
      "mail 4",
      "mail 3",
    ]);
  });

  it("DELETE /api/messages empties the mailbox; unknown ids answer 404", async () => {
    await transport().sendMail(approvalMail);
    expect((await fetch(`${sink.webUrl}/api/messages`, { method: "DELETE" })).status).toBe(200);
    expect(sink.messages()).toEqual([]);
    expect((await getJson("/api/messages/nope")).status).toBe(404);
    expect((await fetch(`${sink.webUrl}/messages/%E0%A4%A`)).status).toBe(400);
  });

  it("lists the mail on the mailbox page and renders its HTML in a sandboxed, script-less iframe", async () => {
    await transport().sendMail(approvalMail);
    await transport().sendMail({ ...approvalMail, to: "erin@example.com", subject: "For erin <b>only</b>" });

    const page = await fetch(`${sink.webUrl}/?to=bob@example.com`);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'nonce-[^']+';/);
    const listHtml = await page.text();
    expect(listHtml).toContain("Approve alice&#39;s request");
    expect(listHtml).toContain("bob@example.com");
    expect(listHtml).not.toContain("For erin");

    const [message] = sink.messages("bob@example.com");
    expect(listHtml).toContain(`href="/messages/${message!.id}"`);
    const messageHtml = await (await fetch(`${sink.webUrl}/messages/${message!.id}`)).text();
    const iframe = /<iframe [^>]*>/.exec(messageHtml)?.[0] ?? "";
    expect(iframe).toContain(`sandbox="${MAIL_FRAME_SANDBOX}"`);
    expect(MAIL_FRAME_SANDBOX).not.toContain("allow-scripts");
    expect(MAIL_FRAME_SANDBOX).not.toContain("allow-same-origin");
    // The mail's HTML sits escaped inside srcdoc, so its tags never reach the page itself.
    expect(iframe).toContain('srcdoc="&lt;base target=&quot;_top&quot;&gt;&lt;p&gt;Alice asks for access.');
    expect(iframe).toContain(
      "&lt;a href=&quot;http://127.0.0.1:3000/requests/r-1&quot;&gt;Review the request&lt;/a&gt;",
    );
    expect(messageHtml).not.toContain("<script>alert(1)</script>");
    expect(messageHtml).toContain("Open http://127.0.0.1:3000/requests/r-1 to decide.");
    expect(messageHtml).toContain(escapeForCheck(message!.messageId!));

    const erinPage = await (await fetch(`${sink.webUrl}/`)).text();
    expect(erinPage).toContain("For erin &lt;b&gt;only&lt;/b&gt;");
  });
});

const escapeForCheck = (text: string) => text.replace(/</g, "&lt;").replace(/>/g, "&gt;");

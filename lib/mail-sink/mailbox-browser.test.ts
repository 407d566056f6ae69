import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "@playwright/test";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumPath } from "@/lib/env";
import { startMailSink, type MailSinkHandle } from ".";

// In a real browser: the mailbox page reloads on new mail, the mail's script does not run, and its link can be followed.
let sink: MailSinkHandle;
let browser: Browser;
let landing: http.Server;
let landingUrl: string;

beforeAll(async () => {
  sink = await startMailSink({ smtpPort: 0, webPort: 0 });
  landing = http.createServer((_request, response) => response.end("<h1>Request r-1</h1>"));
  await new Promise<void>((resolve) => landing.listen(0, "127.0.0.1", resolve));
  landingUrl = `http://127.0.0.1:${(landing.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumPath() });
});
afterAll(async () => {
  await browser?.close();
  await sink?.close();
  landing?.close();
});

it("shows new mail without a manual reload and follows a link out of the sandboxed mail", async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (!message.text().includes("sandboxed")) problems.push(message.text());
  });
  await page.goto(`${sink.webUrl}/?to=bob@example.com`);
  await page.getByText("No messages for this recipient yet.").waitFor();

  await nodemailer.createTransport({ host: "127.0.0.1", port: sink.smtpPort }).sendMail({
    from: "portal@example.com",
    to: "bob@example.com",
    subject: "Approve alice's request",
    text: "Review the request",
    html: `<p>Alice asks for access.</p><a href="${landingUrl}/requests/r-1">Review the request</a><script>document.body.textContent="script ran"</script>`,
  });
  await page.getByRole("link", { name: "Approve alice's request" }).click({ timeout: 5000 });

  const mail = page.frameLocator("iframe");
  await mail.getByText("Alice asks for access.").waitFor({ timeout: 5000 });
  expect(await mail.locator("body").innerText()).not.toContain("script ran");
  await mail.getByRole("link", { name: "Review the request" }).click();
  await page.waitForURL(`${landingUrl}/requests/r-1`, { timeout: 5000 });
  expect(await page.locator("h1").innerText()).toBe("Request r-1");
  expect(problems).toEqual([]);
});

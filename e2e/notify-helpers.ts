import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Browser, type Locator, type Page } from "@playwright/test";
import type { PersonaKey } from "../lib/demo/personas";
import type { StoredMessage as Mail } from "../lib/mail-sink/mailbox";
import { SlackSimulatorControl } from "../lib/slack-simulator/control-client";
import type { StoredMessage } from "../lib/slack-simulator/state";
import type { Delivery, EndpointMode } from "../lib/webhook-receiver/deliveries";
import { E2E_PORTS } from "../playwright.config";
import { dbQuery } from "./fixtures";

// The e2e stack's stand-ins for Slack, SMTP and a customer's webhook receiver, as a test reads and drives them.
export const SLACK_URL = `http://127.0.0.1:${E2E_PORTS.slack}`;
export const MAILBOX_URL = `http://127.0.0.1:${E2E_PORTS.mailbox}`;
export const WEBHOOKS_URL = `http://127.0.0.1:${E2E_PORTS.webhooks}`;
export const slack = new SlackSimulatorControl(SLACK_URL);
export const APPROVALS_CHANNEL = "C0APPROVALS";
/** The simulator seeds one Slack user per persona (U0BOB) with a stable DM with the bot (D0BOB). */
export const slackUser = (persona: PersonaKey) => `U0${persona.toUpperCase()}`;
export const slackDm = (persona: PersonaKey) => `D0${persona.toUpperCase()}`;

const mentions = (value: unknown, requestId: string) => JSON.stringify(value).includes(requestId);

/** Messages in one conversation about the request (its id is in every message's blocks or links). */
export async function slackMessagesAbout(channel: string, requestId: string): Promise<StoredMessage[]> {
  return (await slack.messages(channel)).filter((message) =>
    mentions({ text: message.text, blocks: message.blocks }, requestId),
  );
}

/** The one message about the request in that conversation, once it has arrived. */
export async function slackMessageAbout(channel: string, requestId: string): Promise<StoredMessage> {
  let found: StoredMessage[] = [];
  await expect
    .poll(async () => (found = await slackMessagesAbout(channel, requestId)).length, {
      message: `a Slack message about ${requestId} in ${channel}`,
      timeout: 30_000,
    })
    .toBe(1);
  return found[0]!;
}

export async function mailsAbout(to: string, requestId: string): Promise<Mail[]> {
  const response = await fetch(`${MAILBOX_URL}/api/messages?to=${encodeURIComponent(to)}`);
  const mails = (await response.json()) as Mail[];
  return mails.filter((mail) => mentions({ subject: mail.subject, text: mail.text, html: mail.html }, requestId));
}

export async function webhookDeliveriesAbout(requestId: string, endpoint?: string): Promise<Delivery[]> {
  const query = endpoint ? `?endpoint=${encodeURIComponent(endpoint)}` : "";
  const response = await fetch(`${WEBHOOKS_URL}/api/deliveries${query}`);
  const deliveries = (await response.json()) as Delivery[];
  return deliveries.filter((delivery) => mentions(delivery.body, requestId));
}

export async function setWebhookMode(endpoint: string, mode: EndpointMode) {
  const response = await fetch(`${WEBHOOKS_URL}/_control/endpoints/${encodeURIComponent(endpoint)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ mode }),
  });
  expect(response.status, `switching ${endpoint} to ${mode}`).toBe(200);
}

/** A request made through the form; returns its id once the request page shows it. */
export async function requestAccess(
  page: Page,
  input: { account: string; permissionSet: string; justification: string; ticket?: string },
): Promise<string> {
  await page.goto("/requests/new");
  await page.getByTestId("account-search").fill(input.account);
  await page.getByRole("checkbox", { name: `${input.permissionSet} on ${input.account}` }).check();
  await page.getByRole("button", { name: "30 min", exact: true }).click();
  await page.getByLabel("Justification").fill(input.justification);
  if (input.ticket) await page.getByLabel("Ticket").fill(input.ticket);
  await page.getByTestId("submit-request").click();
  await expect(page).toHaveURL(/\/requests\/(?!new)[^/?]+$/);
  return new URL(page.url()).pathname.split("/").at(-1)!;
}

/** The simulator's dev page in a browser context of its own, as the persona's Slack user (picked in "Who am I"). */
export async function slackPageAs(browser: Browser, persona: PersonaKey): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(SLACK_URL);
  await page.getByLabel("Who am I").selectOption(slackUser(persona));
  await expect(page).toHaveURL(new RegExp(`user=${slackUser(persona)}$`));
  return page;
}

export const slackArticle = (page: Page, message: StoredMessage): Locator =>
  page.locator(`article[data-channel="${message.channel}"][data-ts="${message.ts}"]`);

export async function decisionRows(requestId: string) {
  return dbQuery<{ decision: string; email: string; comment: string | null }>(
    `SELECT d.decision, u.email, d.comment FROM "ApprovalDecision" d JOIN "User" u ON u.id = d."approverId"
     WHERE d."requestId" = $1 ORDER BY d."createdAt"`,
    [requestId],
  );
}

export async function auditActions(requestId: string): Promise<string[]> {
  const rows = await dbQuery<{ action: string }>(
    `SELECT action FROM "AuditEvent" WHERE "requestId" = $1 ORDER BY seq`,
    [requestId],
  );
  return rows.map((row) => row.action);
}

export async function requestRowStatus(requestId: string): Promise<string> {
  const [row] = await dbQuery<{ status: string }>(`SELECT status FROM "AccessRequest" WHERE id = $1`, [requestId]);
  return row!.status;
}

export interface CapturedInteraction {
  headers: Record<string, string>;
  body: string;
  status: number;
}

/**
 * Runs `act` with the simulator's interactivity URL pointed at a relay that forwards each interaction to the portal
 * unchanged and keeps a copy: exactly what an eavesdropper on the way would hold.
 */
export async function relayInteractions(portalUrl: string, act: () => Promise<void>): Promise<CapturedInteraction[]> {
  const captured: CapturedInteraction[] = [];
  const relay = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(
        ["content-type", "x-slack-request-timestamp", "x-slack-signature", "user-agent"]
          .filter((name) => typeof incoming.headers[name] === "string")
          .map((name) => [name, incoming.headers[name] as string]),
      );
      void fetch(portalUrl, { method: "POST", headers, body, redirect: "manual" }).then(
        async (answer) => {
          captured.push({ headers, body, status: answer.status });
          outgoing.writeHead(answer.status, { "Content-Type": answer.headers.get("content-type") ?? "text/plain" });
          outgoing.end(await answer.text());
        },
        () => {
          outgoing.writeHead(502);
          outgoing.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const { port } = relay.address() as AddressInfo;
  try {
    await slack.setInteractivityUrl(`http://127.0.0.1:${port}/`);
    await act();
  } finally {
    await slack.setInteractivityUrl(portalUrl);
    await new Promise((resolve) => relay.close(resolve));
  }
  return captured;
}

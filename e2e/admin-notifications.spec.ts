import { expect, test, type Page } from "@playwright/test";
import { SlackSimulatorControl } from "../lib/slack-simulator/control-client";
import { E2E_PORTS } from "../playwright.config";
import { dbQuery, personaPage } from "./fixtures";

const slack = new SlackSimulatorControl(`http://127.0.0.1:${E2E_PORTS.slack}`);
const CHANNELS = ["SLACK", "EMAIL", "WEBHOOK"] as const;
const STATUSES = ["PENDING", "SENT", "SKIPPED", "DEAD"] as const;

/** A security notice to Slack that the outbox gave up on, written straight into the stack's database. */
async function seedDeadLetter(): Promise<{ id: string; notificationId: string }> {
  const suffix = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const notificationId = `e2e-notification-${suffix}`;
  const id = `e2e-delivery-${suffix}`;
  const payload = {
    type: "policy.reloaded",
    occurredAt: new Date().toISOString(),
    summary: "The access policy was reloaded",
    subject: { type: "policy", id: `e2e-${suffix}`, details: null, reason: null },
    portalUrl: `http://localhost:${E2E_PORTS.app}/policy`,
  };
  await dbQuery(
    `INSERT INTO "Notification" (id, type, "dedupeKey", "requestId", payload) VALUES ($1, 'policy.reloaded', $1, NULL, $2)`,
    [notificationId, JSON.stringify(payload)],
  );
  await dbQuery(
    `INSERT INTO "NotificationDelivery" (id, "notificationId", channel, target, status, attempts, "lastError", "nextAttemptAt", "createdAt", "updatedAt")
     VALUES ($1, $2, 'SLACK', 'channel:#security-alerts', 'DEAD', 12, 'gave up after 12 attempts: Slack answered service_unavailable',
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')`,
    [id, notificationId],
  );
  return { id, notificationId };
}

async function countsInDatabase(): Promise<Record<string, string>> {
  const rows = await dbQuery<{ channel: string; status: string; n: number }>(
    `SELECT channel, status, count(*)::int AS n FROM "NotificationDelivery" GROUP BY channel, status`,
  );
  return Object.fromEntries(
    CHANNELS.flatMap((channel) =>
      STATUSES.map((status) => [
        `${channel} ${status}`,
        String(rows.find((row) => row.channel === channel && row.status === status)?.n ?? 0),
      ]),
    ),
  );
}

async function countsOnPage(page: Page): Promise<Record<string, string>> {
  return page
    .locator('[data-testid="channel-counts"] td[data-status]')
    .evaluateAll((cells) =>
      Object.fromEntries(
        cells.map((cell) => [
          `${cell.closest("tr")!.getAttribute("data-channel")} ${cell.getAttribute("data-status")}`,
          cell.textContent!.trim(),
        ]),
      ),
    );
}

test("an admin sees the outbox per channel, finds a dead letter from the banner and retries it (audited)", async ({
  browser,
}) => {
  const dead = await seedDeadLetter();
  const dave = await personaPage(browser, "dave");
  try {
    // The banner counts dead letters and links to them.
    await dave.goto("/");
    await expect(dave.getByTestId("dead-letter-link")).toHaveText(/^\d+ notifications? could not be delivered$/);
    await dave.getByTestId("dead-letter-link").click();
    await expect(dave).toHaveURL(/\/admin\/notifications\?status=DEAD$/);
    await expect(dave.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
    await expect(
      dave.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }),
    ).toBeVisible();

    // Counts per channel × status match the outbox (the worker keeps delivering, so compare one quiet moment).
    await expect(async () => {
      const expected = await countsInDatabase();
      await dave.reload();
      expect(await countsOnPage(dave)).toEqual(expected);
      expect(await countsInDatabase()).toEqual(expected);
    }).toPass({ timeout: 30_000 });

    const row = dave.locator(`[data-testid="delivery-row"][data-delivery-id="${dead.id}"]`);
    await expect(row.getByTestId("delivery-status")).toHaveAttribute("data-status", "DEAD");
    await expect(row.getByTestId("delivery-target")).toHaveText("channel #security-alerts");
    await expect(row.getByTestId("delivery-error")).toHaveText(
      "gave up after 12 attempts: Slack answered service_unavailable",
    );

    // On a phone the table scrolls inside its card; the page itself does not scroll sideways.
    await dave.setViewportSize({ width: 390, height: 844 });
    await expect(row).toBeAttached();
    expect(await dave.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const scroller = dave.getByTestId("deliveries-scroll");
    expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await dave.setViewportSize({ width: 1280, height: 800 });

    // Slack is still throttling, so the retried delivery waits in the outbox instead of being sent at once.
    await slack.addFault({
      method: "chat.postMessage",
      mode: "429",
      retryAfterSeconds: 600,
      untilMs: Date.now() + 120_000,
    });
    await row.getByRole("button", { name: "Retry The access policy was reloaded to channel #security-alerts" }).click();
    // It leaves the dead letters and shows up as pending.
    await expect(row).toHaveCount(0);
    await dave.getByLabel("Channel").selectOption("SLACK");
    await dave.getByLabel("Status").selectOption("PENDING");
    await dave.getByRole("button", { name: "Filter" }).click();
    await expect(dave).toHaveURL(/\/admin\/notifications\?channel=SLACK&status=PENDING$/);
    await expect(row.getByTestId("delivery-status")).toHaveAttribute("data-status", "PENDING");
    await expect(row.getByRole("button", { name: /Retry/ })).toHaveCount(0);

    const audited = await dbQuery<{ actorLabel: string; after: { status: string } }>(
      `SELECT "actorLabel", after FROM "AuditEvent" WHERE action = 'notification.retried' AND "entityId" = $1`,
      [dead.id],
    );
    expect(audited).toHaveLength(1);
    expect(audited[0]!.after.status).toBe("PENDING");
  } finally {
    await slack.clearFaults();
    // Nothing of this test may reach the workspace later.
    await dbQuery(`DELETE FROM "Notification" WHERE id = $1`, [dead.notificationId]);
    await dave.context().close();
  }
});

test("auditors neither see nor open the notifications page", async ({ browser }) => {
  const dead = await seedDeadLetter();
  const carol = await personaPage(browser, "carol");
  try {
    await expect(
      carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }),
    ).toHaveCount(0);
    await expect(carol.getByTestId("dead-letter-link")).toHaveCount(0);
    await carol.goto("/admin/notifications?status=DEAD");
    await expect(carol).toHaveURL(/\/forbidden/);
  } finally {
    await dbQuery(`DELETE FROM "Notification" WHERE id = $1`, [dead.notificationId]);
    await carol.context().close();
  }
});

import { expect, test } from "@playwright/test";
import { dbQuery, personaPage } from "./fixtures";

// The e2e stack configures no Slack workspace, so a retried Slack delivery fails transiently and stays pending.
async function seedDeadLetter(): Promise<{ id: string; target: string }> {
  const suffix = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const notificationId = `e2e-notification-${suffix}`;
  const id = `e2e-delivery-${suffix}`;
  const target = `channel:#e2e-dead-${suffix}`;
  await dbQuery(
    `INSERT INTO "Notification" (id, type, "dedupeKey", "requestId", payload)
     VALUES ($1, 'request.waiting', $1, NULL, '{}')`,
    [notificationId],
  );
  await dbQuery(
    `INSERT INTO "NotificationDelivery" (id, "notificationId", channel, target, status, attempts, "lastError", "nextAttemptAt", "createdAt", "updatedAt")
     VALUES ($1, $2, 'SLACK', $3, 'DEAD', 12, 'gave up after 12 attempts: Slack answered channel_not_found',
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')`,
    [id, notificationId, target],
  );
  return { id, target };
}

const countOf = async (where: string) =>
  (await dbQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "NotificationDelivery" WHERE ${where}`))[0]!.n;

test("an admin sees the outbox per channel, finds a dead letter from the banner and retries it (audited)", async ({
  browser,
}) => {
  const dead = await seedDeadLetter();
  const channelName = dead.target.slice("channel:".length);
  const dave = await personaPage(browser, "dave");

  // The banner counts dead letters and links to them.
  await dave.goto("/");
  const deadLetters = await countOf(`status = 'DEAD'`);
  const bannerLink = dave.getByTestId("dead-letter-link");
  await expect(bannerLink).toHaveText(
    `${deadLetters} notification${deadLetters === 1 ? "" : "s"} could not be delivered`,
  );
  await bannerLink.click();
  await expect(dave).toHaveURL(/\/admin\/notifications\?status=DEAD$/);
  await expect(dave.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  await expect(
    dave.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }),
  ).toBeVisible();

  // Counts per channel × status match the outbox.
  for (const channel of ["SLACK", "EMAIL", "WEBHOOK"])
    for (const status of ["PENDING", "SENT", "SKIPPED", "DEAD"]) {
      const expected = await countOf(`channel = '${channel}' AND status = '${status}'`);
      await expect(
        dave.locator(`[data-testid="channel-counts"][data-channel="${channel}"] td[data-status="${status}"]`),
      ).toHaveText(String(expected));
    }

  const row = dave.locator(`[data-testid="delivery-row"][data-delivery-id="${dead.id}"]`);
  await expect(row.getByTestId("delivery-status")).toHaveAttribute("data-status", "DEAD");
  await expect(row.getByTestId("delivery-target")).toHaveText(`channel ${channelName}`);
  await expect(row.getByTestId("delivery-error")).toHaveText(
    "gave up after 12 attempts: Slack answered channel_not_found",
  );

  // On a phone the table scrolls inside its card; the page itself does not scroll sideways.
  await dave.setViewportSize({ width: 390, height: 844 });
  await expect(row).toBeAttached();
  expect(await dave.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  const scroller = dave.getByTestId("deliveries-scroll");
  expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await dave.setViewportSize({ width: 1280, height: 800 });

  await row.getByRole("button", { name: `Retry A request waits for your approval to channel ${channelName}` }).click();
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
  await dave.context().close();
});

test("auditors neither see nor open the notifications page", async ({ browser }) => {
  const dead = await seedDeadLetter();
  const carol = await personaPage(browser, "carol");
  await expect(
    carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }),
  ).toHaveCount(0);
  await expect(carol.getByTestId("dead-letter-link")).toHaveCount(0);
  await carol.goto("/admin/notifications?status=DEAD");
  await expect(carol).toHaveURL(/\/forbidden/);
  await carol.context().close();
  await dbQuery(
    `DELETE FROM "Notification" WHERE id = (SELECT "notificationId" FROM "NotificationDelivery" WHERE id = $1)`,
    [dead.id],
  );
});

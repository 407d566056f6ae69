import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryStatus } from "../../generated/prisma/enums";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { startDeliveryLoop } from "./deliver-notifications";
import { purgeSettledNotifications } from "./purge-notifications";

let harness: ServiceHarness;
let seeded = 0;
const DAY = 86_400_000;
const now = new Date();
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: "version: 1\nrules: []\n", systemJob: "purge-notifications-test" });
});

afterAll(async () => {
  await harness?.stop();
});

/** A notification created `ageDays` ago with one delivery per status, each last touched `settledDaysAgo` ago. */
async function seedNotification(ageDays: number, deliveries: [DeliveryStatus, number][]) {
  const db = harness.db.prisma;
  const notification = await db.notification.create({
    data: {
      type: "request.waiting",
      dedupeKey: `purge-test-${++seeded}`,
      requestId: null,
      payload: {},
      createdAt: daysAgo(ageDays),
    },
  });
  for (const [index, [status, settledDaysAgo]] of deliveries.entries()) {
    const delivery = await db.notificationDelivery.create({
      data: { notificationId: notification.id, channel: "WEBHOOK", target: `siem-${index}`, status, attempts: 1 },
    });
    // updatedAt is set by Prisma on every write: place it in the past with SQL.
    await db.$executeRaw`UPDATE "NotificationDelivery" SET "updatedAt" = ${daysAgo(settledDaysAgo)} WHERE id = ${delivery.id}`;
  }
  return notification.id;
}

describe("purgeSettledNotifications", () => {
  it.each<[string, number, [DeliveryStatus, number][], boolean]>([
    [
      "old, every delivery sent",
      40,
      [
        ["SENT", 40],
        ["SENT", 39],
      ],
      true,
    ],
    [
      "old, sent and skipped",
      40,
      [
        ["SENT", 40],
        ["SKIPPED", 40],
      ],
      true,
    ],
    ["old, no deliveries at all", 40, [], true],
    [
      "old, one dead letter",
      40,
      [
        ["SENT", 40],
        ["DEAD", 35],
      ],
      false,
    ],
    ["old, one still pending", 40, [["PENDING", 40]], false],
    ["old, but a delivery settled recently (an admin retried it)", 40, [["SENT", 2]], false],
    ["recent, every delivery sent", 5, [["SENT", 5]], false],
  ])("%s: purged is %s", async (_, ageDays, deliveries, purged) => {
    const id = await seedNotification(ageDays, deliveries);
    await purgeSettledNotifications(harness.db.prisma, { before: daysAgo(30) });
    const left = await harness.db.prisma.notification.findUnique({ where: { id }, include: { deliveries: true } });
    if (purged) {
      expect(left).toBeNull();
      expect(await harness.db.prisma.notificationDelivery.count({ where: { notificationId: id } })).toBe(0);
    } else {
      expect(left?.deliveries).toHaveLength(deliveries.length);
    }
  });

  it("deletes in batches until nothing old is left, and counts what it deleted", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await seedNotification(60, [["SENT", 60]]));
    const kept = await seedNotification(60, [["DEAD", 60]]);
    const count = await purgeSettledNotifications(harness.db.prisma, { before: daysAgo(30), batchSize: 7 });
    expect(count).toBe(30);
    expect(await harness.db.prisma.notification.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await harness.db.prisma.notification.count({ where: { id: kept } })).toBe(1);
  });

  it("the worker's delivery loop purges when it starts, with the retention it was given", async () => {
    const old = await seedNotification(45, [["SENT", 45]]);
    const young = await seedNotification(10, [["SENT", 10]]);
    let purged!: (count: number) => void;
    const reported = new Promise<number>((resolve) => (purged = resolve));
    const loop = startDeliveryLoop({
      db: harness.db.prisma,
      databaseUrl: harness.db.url,
      senders: {},
      retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 3 },
      retentionDays: 30,
      onPurged: (count) => purged(count),
    });
    try {
      expect(await reported).toBe(1);
    } finally {
      await loop.stop();
    }
    expect(await harness.db.prisma.notification.count({ where: { id: { in: [old, young] } } })).toBe(1);
    expect(await harness.db.prisma.notification.count({ where: { id: young } })).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryStatus, NotificationChannel } from "../../generated/prisma/enums";
import { seedAccount } from "../../simulator/seed";
import { expectCode } from "../../testing/expect-app-error";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { alertSummary } from "../queries/alert-summary";
import { describeDeliveryTarget, notificationDeliveries } from "../queries/notification-deliveries";
import { retryDelivery } from "./retry-delivery";

const sandbox = seedAccount("sandbox-alice")!;
const policyYaml = `
version: 1
rules:
  - id: sandbox-read
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandbox.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 60
    approval: { auto: true }
`;

let harness: ServiceHarness;
let seeded = 0;

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml, systemJob: "retry-delivery-test" });
});

afterAll(async () => {
  await harness?.stop();
});

async function seedDelivery({
  channel = "SLACK",
  target = "channel:#access-approvals",
  status = "DEAD",
  attempts = status === "DEAD" ? 12 : 1,
  lastError = status === "DEAD" ? "gave up after 12 attempts: Slack answered channel_not_found" : null,
  requestId = "req-retry-test",
}: {
  channel?: NotificationChannel;
  target?: string;
  status?: DeliveryStatus;
  attempts?: number;
  lastError?: string | null;
  requestId?: string | null;
} = {}) {
  const db = harness.db.prisma;
  const notification = await db.notification.create({
    data: { type: "request.waiting", dedupeKey: `retry-test-${++seeded}`, requestId, payload: {} },
  });
  return db.notificationDelivery.create({
    data: {
      notificationId: notification.id,
      channel,
      target,
      status,
      attempts,
      lastError,
      nextAttemptAt: new Date(Date.now() - 3_600_000),
      leaseUntil: null,
      sentAt: status === "SENT" ? new Date() : null,
    },
  });
}

const deliveryRow = (id: string) => harness.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id } });
const retriedAudits = (id: string) =>
  harness.db.prisma.auditEvent.findMany({ where: { action: "notification.retried", entityId: id } });

describe("retryDelivery", () => {
  it("puts a dead letter back in the outbox, due now with fresh attempts, and audits who did it", async () => {
    const dead = await seedDelivery();
    const before = Date.now();
    const result = await retryDelivery({ ctx: harness.ctxFor(harness.users.dave!), input: { deliveryId: dead.id } });
    expect(result).toEqual({ deliveryId: dead.id, status: "PENDING" });

    const row = await deliveryRow(dead.id);
    expect(row).toMatchObject({ status: "PENDING", attempts: 0, leaseUntil: null });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());

    const audits = await retriedAudits(dead.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorId: harness.users.dave!.userId,
      entityType: "notification",
      requestId: "req-retry-test",
      before: { status: "DEAD", attempts: 12, lastError: dead.lastError },
      after: { status: "PENDING", channel: "SLACK", event: "request.waiting" },
    });
  });

  it("refuses anyone who is not an admin and changes nothing", async () => {
    const dead = await seedDelivery({ channel: "EMAIL", target: "payments-leads@example.com" });
    for (const persona of ["bob", "carol", "alice"])
      await expectCode(
        retryDelivery({ ctx: harness.ctxFor(harness.users[persona]!), input: { deliveryId: dead.id } }),
        "FORBIDDEN",
      );
    expect(await deliveryRow(dead.id)).toEqual(dead);
    expect(await retriedAudits(dead.id)).toEqual([]);
  });

  it("only retries dead letters: a sent, skipped or already retried delivery is a conflict", async () => {
    const dave = harness.ctxFor(harness.users.dave!);
    for (const status of ["SENT", "SKIPPED", "PENDING"] as const) {
      const delivery = await seedDelivery({ status, channel: "WEBHOOK", target: "siem" });
      await expectCode(retryDelivery({ ctx: dave, input: { deliveryId: delivery.id } }), "CONFLICT");
      expect(await deliveryRow(delivery.id)).toEqual(delivery);
      expect(await retriedAudits(delivery.id)).toEqual([]);
    }
    const dead = await seedDelivery();
    await retryDelivery({ ctx: dave, input: { deliveryId: dead.id } });
    await expectCode(retryDelivery({ ctx: dave, input: { deliveryId: dead.id } }), "CONFLICT");
    expect(await retriedAudits(dead.id)).toHaveLength(1);
  });

  it("two admins retrying one dead letter at once: one wins, the others are told it is pending, one audit row", async () => {
    const dead = await seedDelivery();
    const dave = harness.ctxFor(harness.users.dave!);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => retryDelivery({ ctx: dave, input: { deliveryId: dead.id } })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refusals = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    expect(refusals.map((e) => [(e as { code?: string }).code, e.message])).toEqual(
      Array.from({ length: 4 }, () => ["CONFLICT", "Only dead letters can be retried; this one is pending."]),
    );
    expect(await retriedAudits(dead.id)).toHaveLength(1);
    expect(await deliveryRow(dead.id)).toMatchObject({ status: "PENDING", attempts: 0 });
  });

  it("a retry that read the dead letter just before another retry committed names the status it lost to", async () => {
    const dead = await seedDelivery();
    const db = harness.db.prisma;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let updated!: () => void;
    const holding = new Promise<void>((resolve) => (updated = resolve));
    // The other admin's retry: its update holds the row until we let it commit.
    const other = db.$transaction(
      async (tx) => {
        await tx.$executeRaw`UPDATE "NotificationDelivery" SET status = 'PENDING' WHERE id = ${dead.id}`;
        updated();
        await released;
      },
      { timeout: 30_000 },
    );
    await holding;
    const mine = retryDelivery({ ctx: harness.ctxFor(harness.users.dave!), input: { deliveryId: dead.id } });
    // Commit the other retry only once ours has read DEAD and waits on the row lock.
    await expect
      .poll(
        async () => (await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_locks WHERE NOT granted`)[0]!.n,
      )
      .toBeGreaterThan(0n);
    release();
    await other;
    await expect(mine).rejects.toMatchObject({
      code: "CONFLICT",
      message: "Only dead letters can be retried; this one is pending.",
    });
  });

  it("answers an unknown or malformed id as not found or invalid, never as an internal error", async () => {
    const dave = harness.ctxFor(harness.users.dave!);
    await expectCode(retryDelivery({ ctx: dave, input: { deliveryId: "no-such-delivery" } }), "NOT_FOUND");
    await expectCode(retryDelivery({ ctx: dave, input: { deliveryId: "" } }), "VALIDATION");
    await expectCode(retryDelivery({ ctx: dave, input: null }), "VALIDATION");
  });
});

describe("notificationDeliveries and the dead-letter count", () => {
  beforeAll(async () => {
    await harness.db.prisma.notificationDelivery.deleteMany({});
    await seedDelivery({ channel: "SLACK", target: "channel:#access-approvals", status: "SENT" });
    await seedDelivery({ channel: "SLACK", target: "dm:erin@example.com", status: "DEAD" });
    await seedDelivery({ channel: "SLACK", target: "copies:req-1", status: "SKIPPED" });
    await seedDelivery({ channel: "EMAIL", target: "alice@example.com", status: "PENDING" });
    await seedDelivery({ channel: "EMAIL", target: "bob@example.com", status: "DEAD" });
    await seedDelivery({ channel: "EMAIL", target: "sec@example.com", status: "DEAD" });
    await seedDelivery({ channel: "WEBHOOK", target: "siem", status: "SENT", requestId: null });
  });

  it("counts every channel × status, zeros included", async () => {
    const { counts } = await notificationDeliveries({ ctx: harness.ctxFor(harness.users.dave!), input: {} });
    expect(counts).toEqual([
      { channel: "SLACK", byStatus: { PENDING: 0, SENT: 1, SKIPPED: 1, DEAD: 1 } },
      { channel: "EMAIL", byStatus: { PENDING: 1, SENT: 0, SKIPPED: 0, DEAD: 2 } },
      { channel: "WEBHOOK", byStatus: { PENDING: 0, SENT: 1, SKIPPED: 0, DEAD: 0 } },
    ]);
  });

  it("filters by channel, by status and by both; counts stay whole-outbox", async () => {
    const dave = harness.ctxFor(harness.users.dave!);
    const rows = async (input: unknown) =>
      (await notificationDeliveries({ ctx: dave, input })).deliveries.map((d) => `${d.channel} ${d.status}`).sort();
    expect(await rows({ channel: "EMAIL" })).toEqual(["EMAIL DEAD", "EMAIL DEAD", "EMAIL PENDING"]);
    expect(await rows({ status: "DEAD" })).toEqual(["EMAIL DEAD", "EMAIL DEAD", "SLACK DEAD"]);
    expect(await rows({ channel: "SLACK", status: "DEAD" })).toEqual(["SLACK DEAD"]);
    expect(await rows({ channel: "WEBHOOK", status: "DEAD" })).toEqual([]);
    const filtered = await notificationDeliveries({ ctx: dave, input: { channel: "WEBHOOK", status: "DEAD" } });
    expect(filtered.counts.find((c) => c.channel === "EMAIL")!.byStatus.DEAD).toBe(2);
  });

  it("ignores a filter value it does not know (a hand-edited URL shows everything, not an error)", async () => {
    const dave = harness.ctxFor(harness.users.dave!);
    const result = await notificationDeliveries({
      ctx: dave,
      input: { channel: "SMS", status: ["DEAD", "SENT"] },
    });
    expect(result.filter).toEqual({});
    expect(result.deliveries).toHaveLength(7);
  });

  it("shows each row's event, request and a readable target", async () => {
    const { deliveries } = await notificationDeliveries({
      ctx: harness.ctxFor(harness.users.dave!),
      input: { channel: "SLACK" },
    });
    expect(deliveries.map((d) => d.target).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "slack-channel", channel: "#access-approvals" },
      { kind: "slack-copies", requestId: "req-1" },
      { kind: "slack-dm", email: "erin@example.com" },
    ]);
    expect(deliveries.every((d) => d.event === "request.waiting" && d.requestId === "req-retry-test")).toBe(true);
  });

  it("is for admins only", async () => {
    for (const persona of ["bob", "carol", "alice"])
      await expectCode(
        notificationDeliveries({ ctx: harness.ctxFor(harness.users[persona]!), input: {} }),
        "FORBIDDEN",
      );
  });

  it("tells admins how many notifications are dead, and nobody else", async () => {
    expect(await alertSummary({ ctx: harness.ctxFor(harness.users.dave!) })).toMatchObject({ deadLetters: 3 });
    expect(await alertSummary({ ctx: harness.ctxFor(harness.users.carol!) })).toMatchObject({ deadLetters: 0 });
    expect(await alertSummary({ ctx: harness.ctxFor(harness.users.bob!) })).toBeNull();
  });
});

describe("describeDeliveryTarget", () => {
  it.each([
    ["SLACK", "channel:#access-approvals", { kind: "slack-channel", channel: "#access-approvals" }],
    ["SLACK", "dm:erin@example.com", { kind: "slack-dm", email: "erin@example.com" }],
    ["SLACK", "copies:req-1", { kind: "slack-copies", requestId: "req-1" }],
    ["SLACK", "dm:", { kind: "unknown", raw: "dm:" }],
    ["SLACK", "#access-approvals", { kind: "unknown", raw: "#access-approvals" }],
    ["SLACK", "user:U123", { kind: "unknown", raw: "user:U123" }],
    ["EMAIL", "dm:alice@example.com", { kind: "email", address: "dm:alice@example.com" }],
    ["WEBHOOK", "channel:siem", { kind: "webhook", endpoint: "channel:siem" }],
  ] as const)("%s %s", (channel, target, expected) => {
    expect(describeDeliveryTarget(channel, target)).toEqual(expected);
  });
});

// `npm run bench:notify`: Slack notification latency, Slack interaction latency through the real route, and a
// 1,000-notification burst under Slack's rate limits. Prints `BENCH <name> <value> <unit>` lines; exits non-zero if a
// notification was lost or duplicated. Runs a throwaway Postgres, both simulators, the delivery loop in this process
// (startDeliveryLoop + createChannelSenders, as lib/worker/main.ts does) and the portal's production build (`next start`).
// Flags: --requests N (default 200), --burst N (default 1000), --recipients N (DM conversations the burst spreads
// over, default 50), --loops N (delivery loops during the burst, like worker replicas, default 2),
// --dist-dir DIR (the production build, default .next-test; built when missing), --rebuild (build it again),
// --faults (during the burst, some posts fail with HTTP 500 and some are performed after the client timed out),
// --unpaced-clicks (the next click as soon as the previous one is acknowledged, not after its decision).
import { spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createIdentityCenterPort } from "../../lib/aws/identity-center-port";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { PERSONAS } from "../../lib/demo/personas";
import { parseEnv, processEnvironment } from "../../lib/env";
import { createBossJobQueue } from "../../lib/jobs/job-queue";
import { createLogger } from "../../lib/log";
import { createChannelSenders } from "../../lib/notifications/senders";
import { METADATA_EVENT_TYPE } from "../../lib/notifications/slack/slack-sender";
import { SLACK_TIMEOUT_MS } from "../../lib/services/slack/slack-client";
import { systemActor, type UserActor } from "../../lib/services/context";
import { startDeliveryLoop } from "../../lib/services/notifications/deliver-notifications";
import {
  notificationSettingsFromEnv,
  // Not a React hook: the name only reads like one to the linter.
  useNotificationSettings as applyNotificationSettings,
  type NotificationSettings,
} from "../../lib/services/notifications/settings";
import { syncInventory } from "../../lib/services/inventory/sync-inventory";
import { loadPolicy } from "../../lib/services/policy/load-policy";
import { createRequest } from "../../lib/services/requests/create-request";
import {
  APPROVALS_CHANNEL_ID,
  DEFAULT_SLACK_SEED,
  SlackSimulatorControl,
  slackUserIdFor,
  startSlackSimulator,
  type SeedUser,
} from "../../lib/slack-simulator";
import { METHOD_TIERS } from "../../lib/slack-simulator/faults";
import type { StoredMessage } from "../../lib/slack-simulator/state";
import { DEMO_SEED, MANAGEMENT_ACCOUNT_ID } from "../../lib/simulator/seed";
import { startSimulator } from "../../lib/simulator/server";
import { startBoss } from "../../lib/worker/boss";
import { startLabelled, waitForHttp } from "../labelled-process";
import { bench, note, percentile } from "./report";

const BOT_TOKEN = "xoxb-bench-notify";
// Requests are created this far apart: people asking one after another, not a load test of request creation.
const REQUEST_SPACING_MS = 100;
// Clicks before the measured ones: the route's first requests load modules and look up the workspace.
const WARM_UP_CLICKS = 5;
// A click whose decision has not committed by then counts as undecided.
const DECISION_TIMEOUT_MS = 10_000;
// With --faults: how many burst posts the simulator fails with HTTP 500.
const FAULTY_POSTS = 20;
// chat.postMessage's documented tier, which the simulator applies per conversation.
const POSTS_PER_SECOND = METHOD_TIERS["chat.postMessage"]!.perMinute / 60;
const POST_BURST = METHOD_TIERS["chat.postMessage"]!.burst;
const log = createLogger({ level: "silent", secrets: [] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// What to stop on the way out, newest first, whether the run finished or failed.
const stops: (() => Promise<unknown> | void)[] = [];

async function stopAll() {
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "200" },
      burst: { type: "string", default: "1000" },
      recipients: { type: "string", default: "50" },
      loops: { type: "string", default: "2" },
      "dist-dir": { type: "string", default: ".next-test" },
      rebuild: { type: "boolean", default: false },
      faults: { type: "boolean", default: false },
      "unpaced-clicks": { type: "boolean", default: false },
    },
  });
  const numbers = {
    requests: Number(values.requests),
    burst: Number(values.burst),
    recipients: Number(values.recipients),
    loops: Number(values.loops),
  };
  for (const [name, value] of Object.entries(numbers))
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} expects a positive whole number`);
  if (numbers.requests <= WARM_UP_CLICKS) throw new Error(`--requests must be more than ${WARM_UP_CLICKS}`);
  return {
    ...numbers,
    distDir: values["dist-dir"],
    rebuild: values.rebuild,
    faults: values.faults,
    unpacedClicks: values["unpaced-clicks"],
  };
}

/** A Slack ts ("seconds.micros") as epoch milliseconds; the simulator stamps it with its clock when it stores the post. */
function tsMillis(ts: string): number {
  const [seconds, micros] = ts.split(".");
  return Number(seconds) * 1000 + Math.floor(Number(micros ?? 0) / 1000);
}

function deliveryIdOf(message: StoredMessage): string | undefined {
  const metadata = message.metadata as { event_type?: string; event_payload?: { delivery_id?: unknown } } | undefined;
  const id = metadata?.event_type === METADATA_EVENT_TYPE ? metadata.event_payload?.delivery_id : undefined;
  return typeof id === "string" ? id : undefined;
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Deliveries due now and not yet settled (scheduled reminders are not due). */
const dueDeliveries = (db: PrismaClient) =>
  db.notificationDelivery.count({ where: { status: "PENDING", nextAttemptAt: { lte: new Date() } } });

function ensureBuild(distDir: string, rebuild: boolean, env: NodeJS.ProcessEnv) {
  if (!rebuild && fs.existsSync(path.join(distDir, "BUILD_ID"))) {
    note(`using the production build in ${distDir} (pass --rebuild after changing app code)`);
    return;
  }
  note(`building the web app into ${distDir} (next build)…`);
  const build = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], {
    env: { ...env, NODE_ENV: "production", NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "inherit",
  });
  if (build.status !== 0) throw new Error("next build failed");
}

async function main() {
  const options = readOptions();
  const baseEnv = processEnvironment();
  // Before anything is timed, so a build never competes with the measurements.
  ensureBuild(options.distDir, options.rebuild, baseEnv);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-notify-"));
  fs.chmodSync(root, 0o755);
  stops.push(() => fs.rmSync(root, { recursive: true, force: true }));
  const database = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  stops.push(() => database.stop());
  await applyMigrations(database.url);
  const db = createPrismaClient(database.url);
  stops.push(() => db.$disconnect());
  const icSim = await startSimulator({ port: 0, config: { rateLimitPerSecond: 0, asyncDelayMs: 20 } });
  stops.push(() => icSim.close());
  // The burst's recipients: Slack users the portal reaches by email, each with their own DM (own rate-limit bucket).
  const recipients: SeedUser[] = Array.from({ length: options.recipients }, (_, i) => ({
    id: `U0BENCH${i}`,
    name: `bench${i}`,
    realName: `Bench Recipient ${i}`,
    email: `bench${i}@example.com`,
  }));
  const signingSecret = randomBytes(32).toString("hex");
  const slack = await startSlackSimulator({
    botToken: BOT_TOKEN,
    signingSecret,
    seed: { ...DEFAULT_SLACK_SEED, users: [...DEFAULT_SLACK_SEED.users, ...recipients] },
    rateLimits: { enabled: false },
  });
  stops.push(() => slack.close());
  const control = new SlackSimulatorControl(slack.url);
  const appPort = await findFreePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  // One set of settings for this process and the portal's: the portal reads them from its environment.
  const portalEnv = {
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: options.distDir,
    LOG_LEVEL: "warn",
    DATABASE_URL: database.url,
    APP_URL: appUrl,
    AUTH_SECRET: randomBytes(32).toString("base64"),
    AWS_SIMULATOR_URL: icSim.url,
    IDENTITY_CENTER_INSTANCE_ARN: DEMO_SEED.instanceArn,
    IDENTITY_STORE_ID: DEMO_SEED.identityStoreId,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_TEAM_ID: DEFAULT_SLACK_SEED.teamId,
  };
  const settings: NotificationSettings = notificationSettingsFromEnv(parseEnv(portalEnv));
  applyNotificationSettings(settings);

  const ctx = { actor: systemActor("bench"), db, now: () => new Date() };
  const port = createIdentityCenterPort({
    region: "us-east-1",
    instanceArn: DEMO_SEED.instanceArn,
    identityStoreId: DEMO_SEED.identityStoreId,
    endpoint: icSim.url,
  });
  const policyFile = path.join(root, "policy.yaml");
  fs.writeFileSync(
    policyFile,
    `version: 1\nrules:\n  - id: bench-approved\n    requesters: { groups: [engineering] }\n    accounts: { ids: ["*"] }\n    permissionSets: ["*"]\n    maxDurationMinutes: 480\n    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }\n`,
  );
  await loadPolicy({ ctx, input: { file: policyFile } });
  await syncInventory({ ctx, port });
  const users: Record<string, UserActor> = {};
  for (const persona of PERSONAS) {
    const roles = persona.groups.includes("approvers")
      ? (["REQUESTER", "APPROVER"] as const)
      : (["REQUESTER"] as const);
    const user = await db.user.create({
      data: { email: persona.email, name: persona.name, roles: [...roles], idpGroups: persona.groups },
    });
    users[persona.key] = {
      type: "user",
      userId: user.id,
      email: persona.email,
      name: persona.name,
      roles: [...roles],
      groups: persona.groups,
      identityStoreUserId: null,
      ip: null,
      userAgent: null,
    };
  }
  // The worker's role creates pg-boss's schema and queues, which the portal's web role expects.
  const boss = await startBoss({ databaseUrl: database.url, role: "worker" });
  stops.push(() => boss.stop({ graceful: false }));
  const queue = createBossJobQueue(boss);
  const startLoop = () =>
    startDeliveryLoop({
      db,
      databaseUrl: database.url,
      senders: createChannelSenders(settings, { db, log }),
      retry: settings.retry,
      onError: (error) => console.error("[bench] delivery loop:", error),
    });
  const loops = [startLoop()];
  stops.push(() => Promise.all(loops.map((loop) => loop.stop())));
  note(`delivery: startDeliveryLoop + createChannelSenders in this process; Slack simulator ${slack.url}`);

  // 1. Request created → Slack message posted (rate limits off: this is the portal's pipeline, not Slack's pace).
  const account = DEMO_SEED.accounts.find((a) => a.id !== MANAGEMENT_ACCOUNT_ID)!;
  const requesters = [users.alice!, users.erin!];
  const requestIds: string[] = [];
  for (let i = 0; i < options.requests; i += 1) {
    const { requestId } = await createRequest({
      ctx: { ...ctx, actor: requesters[i % requesters.length]! },
      queue,
      input: {
        targets: [{ accountId: account.id, permissionSetArn: DEMO_SEED.permissionSets[0]!.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: `benchmark notification ${i}`,
      },
    });
    requestIds.push(requestId);
    await sleep(REQUEST_SPACING_MS);
  }
  await waitFor(
    "the approval messages",
    async () =>
      (await db.slackApprovalMessage.count({ where: { channelId: APPROVALS_CHANNEL_ID } })) === options.requests,
    120_000,
  );
  await waitFor("the outbox to drain", async () => (await dueDeliveries(db)) === 0, 120_000);
  const posts = new Map<string, number>();
  for (const message of await control.messages()) {
    const id = deliveryIdOf(message);
    if (id) posts.set(id, tsMillis(message.ts));
  }
  const waiting = await db.notificationDelivery.findMany({
    where: { notification: { type: "request.waiting", requestId: { in: requestIds } } },
    select: { id: true, target: true, notification: { select: { requestId: true } } },
  });
  const requests = await db.accessRequest.findMany({
    where: { id: { in: requestIds } },
    select: { id: true, createdAt: true },
  });
  const createdAt = new Map(requests.map((r) => [r.id, r.createdAt.getTime()]));
  const lagsTo = (kind: "channel:" | "dm:") =>
    waiting
      .filter((d) => d.target.startsWith(kind))
      .map((d) => posts.get(d.id)! - createdAt.get(d.notification.requestId!)!);
  const channelLags = lagsTo("channel:");
  const dmLags = lagsTo("dm:");
  if (channelLags.some(Number.isNaN) || dmLags.some(Number.isNaN))
    throw new Error("a request.waiting delivery has no message in the simulator");
  note(
    `${options.requests} requests, ${REQUEST_SPACING_MS} ms apart, Slack rate limits off; ${dmLags.length} approver DMs`,
  );
  bench("notify_request_to_slack_p50", percentile(channelLags, 50), "ms");
  bench("notify_request_to_slack_p99", percentile(channelLags, 99), "ms");
  bench("notify_request_to_slack_dm_p99", percentile(dmLags, 99), "ms");

  // 2. Approve clicks signed by the simulator, answered by the portal's route under `next start`.
  const web = startLabelled(
    "web",
    ["node_modules/next/dist/bin/next", "start", "-p", String(appPort), "-H", "127.0.0.1"],
    { env: { ...baseEnv, ...portalEnv } },
    /Ready in|started server|Local:/,
  );
  stops.push(() => stopChild(web.child));
  await web.ready;
  await waitForHttp(`${appUrl}/api/ready`, 60_000);
  // An unsigned post must be refused by the route; a 404 means the build predates it.
  const probe = await fetch(`${appUrl}/api/slack/interactions`, { method: "POST", body: "payload=%7B%7D" });
  if (probe.status !== 401)
    throw new Error(
      `the build in ${options.distDir} answered ${probe.status} to an unsigned Slack interaction (expected 401): it is older than the code, run with --rebuild`,
    );
  await control.setInteractivityUrl(`${appUrl}/api/slack/interactions`);
  note(`interactions: the production build (next start) on ${appUrl}`);
  const copies = await db.slackApprovalMessage.findMany({
    where: { requestId: { in: requestIds }, channelId: APPROVALS_CHANNEL_ID },
    orderBy: { createdAt: "asc" },
  });
  const clicked: { requestId: string; sentAtMs: number; ackMs: number; status: number | null }[] = [];
  // One click at a time, the next after the previous decision committed: each figure is one approver's wait.
  for (const copy of copies) {
    const outcome = await control.click({
      user: slackUserIdFor("bob"),
      channel: copy.channelId,
      ts: copy.ts,
      actionId: "approval.approve",
    });
    clicked.push({ requestId: copy.requestId, sentAtMs: outcome.sentAtMs, ackMs: outcome.ms, status: outcome.status });
    if (options.unpacedClicks) continue;
    await waitFor(
      "a decision",
      async () => (await db.approvalDecision.count({ where: { requestId: copy.requestId } })) > 0,
      DECISION_TIMEOUT_MS,
    ).catch(() => undefined);
  }
  if (options.unpacedClicks)
    await waitFor(
      "the decisions",
      async () => (await db.approvalDecision.count({ where: { requestId: { in: requestIds } } })) === copies.length,
      DECISION_TIMEOUT_MS,
    ).catch(() => undefined);
  const decisions = await db.approvalDecision.findMany({
    where: { requestId: { in: requestIds }, approverId: users.bob!.userId },
    select: { requestId: true, createdAt: true },
  });
  const decidedAt = new Map(decisions.map((d) => [d.requestId, d.createdAt.getTime()]));
  const measured = clicked.slice(WARM_UP_CLICKS);
  note(
    `${measured.length} approve clicks measured after ${WARM_UP_CLICKS} warm-up clicks, ${options.unpacedClicks ? "each as soon as the previous was acknowledged" : "each after the previous decision"}`,
  );
  bench(
    "notify_interaction_ack_p50",
    percentile(
      measured.map((c) => c.ackMs),
      50,
    ),
    "ms",
  );
  bench(
    "notify_interaction_ack_p99",
    percentile(
      measured.map((c) => c.ackMs),
      99,
    ),
    "ms",
  );
  const decisionLags = measured.flatMap((c) =>
    decidedAt.has(c.requestId) ? [decidedAt.get(c.requestId)! - c.sentAtMs] : [],
  );
  bench("notify_interaction_decision_p50", percentile(decisionLags, 50), "ms");
  bench("notify_interaction_decision_p99", percentile(decisionLags, 99), "ms");
  bench("notify_interaction_not_acked", clicked.filter((c) => c.status !== 200).length, "count");
  bench("notify_interaction_undecided", clicked.filter((c) => !decidedAt.has(c.requestId)).length, "count");
  await waitFor("the outbox to drain", async () => (await dueDeliveries(db)) === 0, 120_000);

  // 3. A burst straight into the outbox, at Slack's documented tiers, delivered by `--loops` loops at once.
  await control.setRateLimits({ enabled: true, scale: 1 });
  for (let i = 1; i < options.loops; i += 1) loops.push(startLoop());
  const template = await db.notification.findFirstOrThrow({
    where: { type: "request.approved", requestId: { in: requestIds } },
  });
  const burstIds = Array.from({ length: options.burst }, (_, i) => `ntf_bench_${i}`);
  if (options.faults) {
    // Posts refused with HTTP 500 (not performed), and posts performed after the client gave up (ambiguous).
    await control.addFault({ method: "chat.postMessage", mode: "500", count: FAULTY_POSTS });
    await control.addFault({ method: "chat.postMessage", mode: "delay", delayMs: SLACK_TIMEOUT_MS + 1000, count: 5 });
    note(
      `faults: ${FAULTY_POSTS} posts answered HTTP 500, 5 performed after the client's ${SLACK_TIMEOUT_MS} ms timeout`,
    );
  }
  const burstStarted = Date.now();
  await db.$transaction(
    async (tx) => {
      await tx.notification.createMany({
        data: burstIds.map((id) => ({
          id,
          type: template.type,
          dedupeKey: `bench:${id}`,
          requestId: template.requestId,
          payload: template.payload as object,
        })),
      });
      await tx.notificationDelivery.createMany({
        data: burstIds.map((notificationId, i) => ({
          notificationId,
          channel: "SLACK" as const,
          target: `dm:${recipients[i % recipients.length]!.email}`,
        })),
      });
      await tx.$executeRaw`SELECT pg_notify('notification_outbox', '')`;
    },
    { timeout: 60_000 },
  );
  await waitFor(
    "the burst",
    async () =>
      (await db.notificationDelivery.count({
        where: { notificationId: { in: burstIds }, status: "PENDING" },
      })) === 0,
    30 * 60_000,
  );
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
  const burst = await db.notificationDelivery.findMany({
    where: { notificationId: { in: burstIds } },
    select: { id: true, status: true },
  });
  const burstDeliveryIds = new Set(burst.map((d) => d.id));
  const messagesPerDelivery = new Map<string, number>();
  let lastPostMs = burstStarted;
  for (const message of await control.messages()) {
    const id = deliveryIdOf(message);
    if (!id || !burstDeliveryIds.has(id)) continue;
    messagesPerDelivery.set(id, (messagesPerDelivery.get(id) ?? 0) + 1);
    lastPostMs = Math.max(lastPostMs, tsMillis(message.ts));
  }
  const lost = burst.filter((d) => !messagesPerDelivery.has(d.id)).length;
  const duplicated = [...messagesPerDelivery.values()].reduce((sum, count) => sum + count - 1, 0);
  const totalSeconds = (lastPostMs - burstStarted) / 1000;
  const calls = await control.calls();
  const throttled = calls.log.filter((c) => c.atMs >= burstStarted && c.outcome === "ratelimited").length;
  if ((calls.log[0]?.atMs ?? 0) > burstStarted)
    note("the simulator's call log was full: the 429 count is a lower bound");
  // Slack's pace alone: each conversation's posts beyond the burst allowance at one a second.
  const boundSeconds = Math.max(0, Math.ceil(options.burst / options.recipients) - POST_BURST) / POSTS_PER_SECOND;
  note(
    `${options.burst} notifications to ${options.recipients} DMs (chat.postMessage ${POSTS_PER_SECOND}/s per conversation, burst ${POST_BURST}), ${options.loops} delivery loops`,
  );
  bench("notify_burst_notifications", options.burst, "count");
  bench("notify_burst_total", totalSeconds, "s");
  bench("notify_burst_throughput", options.burst / totalSeconds, "msg/s");
  bench("notify_burst_bound", boundSeconds, "s");
  if (boundSeconds > 0) bench("notify_burst_ratio_to_bound", totalSeconds / boundSeconds, "x");
  bench("notify_burst_throttled_by_simulator", throttled, "responses");
  bench("notify_burst_dead", burst.filter((d) => d.status === "DEAD").length, "count");
  bench("notify_lost", lost, "count");
  bench("notify_duplicated", duplicated, "count");

  if (lost > 0 || duplicated > 0) console.error(`[bench] ${lost} notifications lost, ${duplicated} duplicated`);
  return lost === 0 && duplicated === 0;
}

function stopChild(child: ChildProcess) {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

main().then(
  async (clean) => {
    await stopAll();
    process.exit(clean ? 0 : 1);
  },
  async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await stopAll();
    process.exit(1);
  },
);

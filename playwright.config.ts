import { defineConfig } from "@playwright/test";
import { chromiumPath, e2ePortBase } from "./lib/env";

// The whole stack runs on its own ports with a throwaway database, so a running `npm run dev` is never touched.
const base = e2ePortBase();
export const E2E_PORTS = {
  app: base,
  idp: base + 1,
  simulator: base + 2,
  database: base + 3,
  slack: base + 4,
  smtp: base + 5,
  mailbox: base + 6,
  webhooks: base + 7,
};

/** How often the e2e stack's worker checks its policy file (the default is 10 s). */
export const E2E_POLICY_RELOAD_SECONDS = 2;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  use: {
    baseURL: `http://localhost:${E2E_PORTS.app}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "node --import tsx scripts/local-stack.ts --test",
    wait: { stdout: /PORTAL READY/ },
    timeout: 180_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    stdout: "pipe",
    env: {
      APP_PORT: String(E2E_PORTS.app),
      IDP_PORT: String(E2E_PORTS.idp),
      SIM_PORT: String(E2E_PORTS.simulator),
      LOCAL_DB_PORT: String(E2E_PORTS.database),
      SLACK_SIM_PORT: String(E2E_PORTS.slack),
      SMTP_PORT: String(E2E_PORTS.smtp),
      MAILBOX_PORT: String(E2E_PORTS.mailbox),
      WEBHOOK_PORT: String(E2E_PORTS.webhooks),
      NEXT_DIST_DIR: ".next-test",
      SIM_ASYNC_DELAY_MS: "300",
      // Reconcile often so the drift spec sees an out-of-band assignment within seconds; every other spec runs under it too.
      RECONCILE_EVERY_SECONDS: "5",
      // Every pair listed every cycle: the drift spec makes out-of-band changes the portal cannot know about.
      RECONCILE_SWEEP_EVERY_SECONDS: "0",
      // Short notification retries so the notifications spec sees a retried delivery succeed and a failing one dead-lettered.
      NOTIFY_RETRY_BASE_MS: "200",
      NOTIFY_MAX_ATTEMPTS: "3",
      POLICY_RELOAD_SECONDS: String(E2E_POLICY_RELOAD_SECONDS),
      // 36 s: the break-glass spec sees an unreviewed use raise its alert without waiting a day.
      BREAK_GLASS_REVIEW_HOURS: "0.01",
    },
  },
});

// `npm run dev`: the whole portal locally — embedded PostgreSQL, dev IdP, Identity Center simulator, web app, worker.
// Flags: --test (throwaway database, production build from NEXT_DIST_DIR, for Playwright), --prod (build, then next start).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnvError, getEnv, parseLocalStackSettings, processEnvironment } from "../lib/env";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded-postgres";
import { applyMigrations } from "../lib/db/migrations";
import { PERSONAS } from "../lib/demo/personas";
import { DEMO_SEED } from "../lib/simulator/seed";
import { devWebhookEndpointsSetting } from "../lib/webhook-receiver/dev-endpoints";
import { DEFAULT_SLACK_SEED } from "../lib/slack-simulator/seed";

// The simulator accepts whatever token it is started with; a real workspace's token comes from SLACK_BOT_TOKEN.
const LOCAL_SLACK_BOT_TOKEN = "xoxb-local-slack-simulator";
import { relaunchArgs, STOP_WAVES } from "./local-stack-plan";
import { startLabelled, waitForHttp } from "./labelled-process";
import { launchInOwnGroup } from "./own-process-group";
import { logLineFormatter } from "./log-format";

const startedAt = Date.now();
const testMode = process.argv.includes("--test");
const prodMode = process.argv.includes("--prod") || testMode;
const children: { name: string; process: ChildProcess }[] = [];
let database: EmbeddedDatabase | undefined;
let shuttingDown = false;
// A pipe reader that went away (`npm run dev | tee`, Ctrl-C kills tee too) must not crash the ordered shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

function log(message: string) {
  console.log(`[stack] ${message}`);
}

function readOrCreateSecret(file: string, encoding: "base64url" | "hex" = "base64url"): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString(encoding);
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, readyPattern: RegExp): Promise<void> {
  const format = logLineFormatter(parseLocalStackSettings().LOG_FORMAT);
  const { child, ready, isReady } = startLabelled(name, args, { env }, readyPattern, format);
  children.push({ name, process: child });
  child.on("exit", (code, signal) => {
    if (isReady() && !shuttingDown) {
      console.error(`[stack] ${name} stopped unexpectedly (code ${code ?? signal}); stopping the stack.`);
      void shutdown(1);
    }
  });
  return ready;
}

async function shutdown(code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  log("stopping…");
  const stopChild = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  for (const wave of STOP_WAVES) {
    await Promise.all(
      wave.map(async (part) => {
        if (part === "database") await database?.stop().catch(() => undefined);
        else await Promise.all(children.filter((c) => c.name === part).map((c) => stopChild(c.process)));
      }),
    );
  }
  log("stopped");
  process.exit(code);
}

async function main() {
  const settings = parseLocalStackSettings();
  const baseEnv = processEnvironment();
  const dataDir = testMode ? fs.mkdtempSync(path.join(os.tmpdir(), "portal-e2e-")) : path.resolve(settings.DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dataDir, 0o755);

  const appUrl = `http://localhost:${settings.APP_PORT}`;
  const idpUrl = `http://127.0.0.1:${settings.IDP_PORT}`;
  const simulatorUrl = `http://127.0.0.1:${settings.SIM_PORT}`;
  const slackUrl = `http://127.0.0.1:${settings.SLACK_SIM_PORT}`;
  const mailboxUrl = `http://127.0.0.1:${settings.MAILBOX_PORT}`;
  const webhookReceiverUrl = `http://127.0.0.1:${settings.WEBHOOK_PORT}`;

  let databaseUrl = getEnv().DATABASE_URL;
  if (!databaseUrl) {
    log(
      `starting embedded PostgreSQL (${testMode ? "throwaway" : path.join(dataDir, "postgres")}, port ${settings.LOCAL_DB_PORT})`,
    );
    database = await startEmbeddedDatabase({
      dataDir: path.join(dataDir, "postgres"),
      port: settings.LOCAL_DB_PORT,
      ephemeral: testMode,
    });
    databaseUrl = database.url;
  }
  const applied = await applyMigrations(databaseUrl);
  log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");

  const childEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    NODE_ENV: prodMode ? "production" : "development",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    APP_URL: appUrl,
    AUTH_SECRET: baseEnv.AUTH_SECRET || readOrCreateSecret(path.join(dataDir, "auth-secret")),
    OIDC_ISSUER: idpUrl,
    IDP_PORT: String(settings.IDP_PORT),
    AWS_SIMULATOR_URL: simulatorUrl,
    IDENTITY_CENTER_INSTANCE_ARN: DEMO_SEED.instanceArn,
    IDENTITY_STORE_ID: DEMO_SEED.identityStoreId,
    AUDIT_ROLE_NAME: baseEnv.AUDIT_ROLE_NAME || DEMO_SEED.auditRole!.roleName,
    AUDIT_ROLE_EXTERNAL_ID: baseEnv.AUDIT_ROLE_EXTERNAL_ID || DEMO_SEED.auditRole!.externalId,
    SIM_PORT: String(settings.SIM_PORT),
    SIM_STATE_PATH: path.join(dataDir, "simulator", "state.json"),
    // Notifications go to the local stand-ins: the Slack simulator, the SMTP sink (STARTTLS off) and the webhook receiver.
    SLACK_BOT_TOKEN: baseEnv.SLACK_BOT_TOKEN || LOCAL_SLACK_BOT_TOKEN,
    SLACK_SIGNING_SECRET:
      baseEnv.SLACK_SIGNING_SECRET || readOrCreateSecret(path.join(dataDir, "slack-signing-secret"), "hex"),
    SLACK_API_URL: baseEnv.SLACK_API_URL || `${slackUrl}/api/`,
    SLACK_TEAM_ID: baseEnv.SLACK_TEAM_ID || DEFAULT_SLACK_SEED.teamId,
    SMTP_URL: baseEnv.SMTP_URL || `smtp://127.0.0.1:${settings.SMTP_PORT}`,
    MAIL_FROM: baseEnv.MAIL_FROM || "JIT Access Portal <jit-portal@example.com>",
    MAIL_SECURITY_TO: baseEnv.MAIL_SECURITY_TO || "security-team@example.com",
    WEBHOOK_ENDPOINTS: baseEnv.WEBHOOK_ENDPOINTS || devWebhookEndpointsSetting(webhookReceiverUrl),
  };
  // Fail here, with the variable named, rather than in four child processes at once.
  const { parseEnv } = await import("../lib/env");
  parseEnv(childEnv);

  const tsx = ["--import", "tsx"];
  await Promise.all([
    startChild("simulator", [...tsx, "scripts/simulator.ts"], childEnv, /SIMULATOR READY/),
    startChild("idp", [...tsx, "scripts/dev-idp.ts"], childEnv, /IDP READY/),
    startChild(
      "slack",
      [
        ...tsx,
        "scripts/slack-simulator.ts",
        ...["--port", String(settings.SLACK_SIM_PORT), "--bot-token", childEnv.SLACK_BOT_TOKEN!],
        ...["--signing-secret", childEnv.SLACK_SIGNING_SECRET!],
        ...["--interactivity-url", `${appUrl}/api/slack/interactions`],
      ],
      childEnv,
      /SLACK SIMULATOR READY/,
    ),
    startChild(
      "sinks",
      [
        ...tsx,
        "scripts/dev-sinks.ts",
        ...["--smtp", String(settings.SMTP_PORT), "--mailbox", String(settings.MAILBOX_PORT)],
        ...["--webhooks", String(settings.WEBHOOK_PORT)],
      ],
      childEnv,
      /SINKS READY/,
    ),
  ]);
  await startChild("worker", [...tsx, "lib/worker/main.ts"], childEnv, /WORKER READY/);

  const nextBin = path.resolve("node_modules/next/dist/bin/next");
  if (prodMode && !testMode) {
    log("building the web app (next build)…");
    await new Promise<void>((resolve, reject) => {
      const build = spawn(process.execPath, [nextBin, "build"], { env: childEnv, stdio: "inherit" });
      build.on("exit", (code) => (code === 0 ? resolve() : reject(new Error("next build failed"))));
    });
  }
  const webArgs = prodMode
    ? [nextBin, "start", "-p", String(settings.APP_PORT)]
    : [nextBin, "dev", "-p", String(settings.APP_PORT)];
  await startChild("web", webArgs, childEnv, /Ready in|started server|Local:/);
  await waitForHttp(`${appUrl}/api/ready`, 120_000);
  // Compile the sign-in page before announcing readiness so the first visit is fast in dev mode too.
  await waitForHttp(`${appUrl}/signin`, 120_000);

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`
  JIT Access Portal is running against SIMULATED AWS (ready in ${seconds} s)
    Portal          ${appUrl}
    Dev IdP         ${idpUrl}
    IC simulator    ${simulatorUrl}
    Database        ${database ? `embedded PostgreSQL, port ${settings.LOCAL_DB_PORT}` : "DATABASE_URL"}
    Slack           ${slackUrl}   (the simulated workspace: approve and deny from the DMs and #access-approvals)
    Mailbox         ${mailboxUrl}   (every mail the portal sends)
    Webhooks        ${webhookReceiverUrl}   (deliveries and whether each signature verified)
  Sign in as: ${PERSONAS.map((p) => `${p.key} (${p.description.toLowerCase()})`).join(", ")}
  Try the CLI:  JIT_PORTAL_URL=${appUrl} npx jit login   (confirm the code in the browser as alice)
                JIT_PORTAL_URL=${appUrl} npx jit request --account sandbox-alice --permission-set ReadOnly --for 1h --reason "try the CLI" --wait
  Press Ctrl-C to stop.
`);
  console.log(`PORTAL READY ${appUrl} in ${seconds}s`);
}

const relaunch = relaunchArgs(process.execArgv, process.argv);
if (relaunch) launchInOwnGroup(relaunch);
else {
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGHUP", () => void shutdown(0));
  // The launcher died without passing a signal on (SIGKILL): nobody can stop us any more, so stop now.
  process.on("disconnect", () => void shutdown(1));
  main().catch(async (error: unknown) => {
    console.error(
      error instanceof EnvError || error instanceof Error
        ? `[stack] ${error.message}`
        : `[stack] failed: ${String(error)}`,
    );
    await shutdown(1);
  });
}

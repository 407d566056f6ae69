// `npm test` step "standalone": builds the container's app folder with scripts/standalone-build.ts (as the Dockerfile does),
// starts it the way docker/entrypoint.sh does (node migrate.mjs, worker.mjs, server.js, from that folder, with only the
// variables a container gets) against an embedded database, the simulator and the dev IdP, signs alice in through the real
// OIDC flow and checks one auto-approved grant in the simulator. `--app <dir>` reuses an already built folder.
import { spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ListAccountAssignmentsCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { chromium, type Page } from "@playwright/test";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded-postgres";
import { chromiumPath, e2ePortBase, processEnvironment } from "../lib/env";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { startLabelled, waitForHttp } from "./labelled-process";
import { APP_ENTRIES } from "./standalone-build";

// Ten above the e2e stack's four ports, so `npm test` and a parallel checkout's e2e never share one.
const base = e2ePortBase() + 10;
const PORTS = { app: base, idp: base + 1, simulator: base + 2, database: base + 3 };
const GRANT_TIMEOUT_MS = 45_000;
// Present only because `migrate` loads the wasm schema engine from disk; every other dev dependency must stay out.
const ALLOWED_DEV_PACKAGES = new Set(["@prisma/schema-engine-wasm"]);

const startedAt = Date.now();
const children: ChildProcess[] = [];
let database: EmbeddedDatabase | undefined;
let appDir: string | undefined;
const seconds = () => ((Date.now() - startedAt) / 1000).toFixed(1);
const log = (message: string) => console.log(`[standalone ${seconds()}s] ${message}`);

function startProcess(
  name: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number },
  ready: RegExp,
) {
  const started = startLabelled(name, args, options, ready);
  children.push(started.child);
  return started.ready;
}

function buildAppFolder(workDir: string): string {
  const reuse = process.argv.indexOf("--app");
  if (reuse > 0) return path.resolve(process.argv[reuse + 1]!);
  const folder = path.join(workDir, "app");
  // The Dockerfile's build line, word for word: node --import tsx scripts/standalone-build.ts --out /app
  const build = spawnSync(process.execPath, ["--import", "tsx", "scripts/standalone-build.ts", "--out", folder], {
    stdio: "inherit",
  });
  if (build.status !== 0) throw new Error("scripts/standalone-build.ts failed");
  log("app folder built");
  return folder;
}

/** The image's /app belongs to root and its user may not write there; the check starts the app under the same rule. */
function setWritable(dir: string, writable: boolean) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) continue;
    const mode = fs.statSync(file).mode & 0o777;
    fs.chmodSync(file, writable ? mode | 0o200 : mode & ~0o222);
  }
  fs.chmodSync(dir, writable ? 0o755 : 0o555);
}

// Root ignores file modes, so as root the app runs as nobody, like the image's USER over a root-owned /app.
const containerUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** What the image must not contain: dev dependencies and env files. */
function checkAppFolder(folder: string) {
  for (const entry of Object.values(APP_ENTRIES)) {
    if (!fs.existsSync(path.join(folder, entry))) throw new Error(`the app folder has no ${entry}`);
  }
  const manifest = JSON.parse(fs.readFileSync("package.json", "utf8")) as { devDependencies: Record<string, string> };
  const devPresent = Object.keys(manifest.devDependencies).filter(
    (name) => !ALLOWED_DEV_PACKAGES.has(name) && fs.existsSync(path.join(folder, "node_modules", name)),
  );
  if (devPresent.length) throw new Error(`dev dependencies in the app folder: ${devPresent.join(", ")}`);
  const envFiles = fs.readdirSync(folder).filter((name) => name.startsWith(".env"));
  if (envFiles.length) throw new Error(`env files in the app folder: ${envFiles.join(", ")}`);
}

async function requestSandboxReadOnly(page: Page, appUrl: string) {
  await page.goto(`${appUrl}/signin`);
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await page.locator('button[data-persona="alice"]').click();
  await page.getByTestId("current-user").waitFor();
  log("alice signed in through the dev IdP");
  await page.goto(`${appUrl}/requests/new`);
  await page.getByTestId("account-search").fill("sandbox-alice");
  await page.getByRole("checkbox", { name: "ReadOnly on sandbox-alice" }).check();
  await page.getByLabel("Justification").fill("Standalone build check");
  await page.getByTestId("submit-request").click();
  await page.waitForURL(/\/requests\/(?!new)[^/]+$/);
  const status = page.getByTestId("request-detail").getByTestId("request-status").first();
  const deadline = Date.now() + GRANT_TIMEOUT_MS;
  // The detail page refreshes itself; the worker needs a few seconds to create and verify the assignment.
  while ((await status.getAttribute("data-status")) !== "ACTIVE") {
    if (Date.now() > deadline) throw new Error(`the grant did not become ACTIVE within ${GRANT_TIMEOUT_MS / 1000} s`);
    await page.waitForTimeout(500);
  }
  log("request ACTIVE");
}

async function simulatorHasAssignment(simulatorUrl: string): Promise<boolean> {
  const sso = new SSOAdminClient({
    endpoint: simulatorUrl,
    region: "us-east-1",
    credentials: { accessKeyId: "standalone-check", secretAccessKey: "standalone-check" },
  });
  const listed = await sso.send(
    new ListAccountAssignmentsCommand({
      InstanceArn: DEMO_SEED.instanceArn,
      AccountId: seedAccount("sandbox-alice")!.id,
      PermissionSetArn: seedPermissionSet("ReadOnly")!.arn,
    }),
  );
  return (listed.AccountAssignments ?? []).some((a) => a.PrincipalId === seedUser("alice")!.userId);
}

async function main() {
  appDir = buildAppFolder(workDir);
  checkAppFolder(appDir);
  setWritable(appDir, false);
  database = await startEmbeddedDatabase({
    dataDir: path.join(workDir, "postgres"),
    port: PORTS.database,
    ephemeral: true,
  });
  const appUrl = `http://localhost:${PORTS.app}`;
  const idpUrl = `http://127.0.0.1:${PORTS.idp}`;
  const simulatorUrl = `http://127.0.0.1:${PORTS.simulator}`;
  // Only what a container would be given: no tsx, no project variables, no node_modules above the app folder.
  const containerEnv: NodeJS.ProcessEnv = {
    PATH: processEnvironment().PATH,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    HOSTNAME: "127.0.0.1",
    PORT: String(PORTS.app),
    APP_URL: appUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    DATABASE_URL: database.url,
    OIDC_ISSUER: idpUrl,
    AWS_SIMULATOR_URL: simulatorUrl,
    IDENTITY_CENTER_INSTANCE_ARN: DEMO_SEED.instanceArn,
    IDENTITY_STORE_ID: DEMO_SEED.identityStoreId,
    // The image has no policy of its own; a deployment mounts one (here the demo policy, read from the project).
    POLICY_FILE: path.resolve("policy/policy.yaml"),
  };
  const migrate = spawnSync(process.execPath, [APP_ENTRIES.migrate], {
    cwd: appDir,
    env: containerEnv,
    stdio: "inherit",
    ...containerUser,
  });
  if (migrate.status !== 0) throw new Error(`${APP_ENTRIES.migrate} failed`);
  log("migrations applied by the migrate bundle");

  const standInEnv = {
    ...processEnvironment(),
    APP_URL: appUrl,
    OIDC_ISSUER: idpUrl,
    IDP_PORT: String(PORTS.idp),
    SIM_PORT: String(PORTS.simulator),
    SIM_STATE_PATH: path.join(workDir, "simulator-state.json"),
  };
  const fromProject = { cwd: process.cwd(), env: standInEnv };
  await Promise.all([
    startProcess("simulator", ["--import", "tsx", "scripts/simulator.ts"], fromProject, /SIMULATOR READY/),
    startProcess("idp", ["--import", "tsx", "scripts/dev-idp.ts"], fromProject, /IDP READY/),
  ]);
  const fromApp = { cwd: appDir, env: containerEnv, ...containerUser };
  await startProcess("worker", [APP_ENTRIES.worker], fromApp, /WORKER READY/);
  await startProcess("web", [APP_ENTRIES.web], fromApp, /Ready in|started server|Local:/);
  await waitForHttp(`${appUrl}/api/health`, 30_000);
  await waitForHttp(`${appUrl}/api/ready`, 30_000);
  log("web, worker, simulator and IdP are up");

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--disable-gpu"] });
  try {
    await requestSandboxReadOnly(await browser.newPage(), appUrl);
  } finally {
    await browser.close();
  }
  if (!(await simulatorHasAssignment(simulatorUrl)))
    throw new Error("the request is ACTIVE but the simulator lists no assignment for alice");
  log("the simulator lists alice's ReadOnly assignment on sandbox-alice");

  const doctor = spawnSync(process.execPath, [APP_ENTRIES.doctor], {
    cwd: appDir,
    env: containerEnv,
    encoding: "utf8",
    ...containerUser,
  });
  process.stdout.write(doctor.stdout);
  process.stderr.write(doctor.stderr);
  if (doctor.status !== 0) throw new Error(`${APP_ENTRIES.doctor} reported a failure (exit ${doctor.status})`);
  if (doctor.stdout.includes(containerEnv.AUTH_SECRET!)) throw new Error(`${APP_ENTRIES.doctor} printed AUTH_SECRET`);
  log("the doctor bundle passes against the same stack and prints no secret");
}

async function stopAll() {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await database?.stop().catch(() => undefined);
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-standalone-"));
fs.chmodSync(workDir, 0o755);
main()
  .then(() => console.log(`STANDALONE OK in ${seconds()} s`))
  .catch((error: unknown) => {
    console.error(`STANDALONE FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    if (appDir) setWritable(appDir, true);
    fs.rmSync(workDir, { recursive: true, force: true });
  });

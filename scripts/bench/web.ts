// `npm run bench:web`: the production web server on a large organization's database, every main page driven by autocannon
// at 10 and 50 connections as the persona who uses it. Prints `BENCH web.<page>.c<conns>.<metric> <value> <unit>` lines,
// the sign-in page as the framework's floor, next-server's resident memory before and after, and the targets met or
// missed. Flags: see web-report.ts (BENCH_QUICK=1 for a small seed and short runs).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { createIdentityCenterPort } from "../../lib/aws/identity-center-port";
import { createPrismaClient } from "../../lib/db";
import { startEmbeddedDatabase, findFreePort } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { findPersona, type PersonaKey } from "../../lib/demo/personas";
import { systemActor } from "../../lib/services/context";
import { syncInventory } from "../../lib/services/inventory/sync-inventory";
import { loadPolicy } from "../../lib/services/policy/load-policy";
import { getEnv, processEnvironment } from "../../lib/env";
import { DEMO_SEED } from "../../lib/simulator/seed";
import { startSimulator } from "../../lib/simulator/server";
import { startDevIdp } from "../dev-idp";
import { bench, note, percentile } from "./report";
import { seedPersonaRequests, seedWebOrganization } from "./web-seed";
import { missedTargets, PAGES, pageLines, parseWebBenchArgs, rssLines, TARGETS, type PageFigures } from "./web-report";

const OIDC_CLIENT = { clientId: "jit-portal-local", clientSecret: "local-dev-idp-client-secret" };
const nextBin = path.resolve("node_modules/next/dist/bin/next");

function run(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}`))));
  });
}

/** Resident memory of the process whose command line names next-server, or of the started process if none does. */
function serverRssMb(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const walk = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(rootPid);
  const rssOf = (pid: number) => {
    const match = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return match ? Number(match[1]) / 1024 : 0;
  };
  const named = tree.find((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("next-server");
    } catch {
      return false;
    }
  });
  return rssOf(named ?? rootPid);
}

/** CPU time (user + system) the process has used so far, in milliseconds. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Asks next-server for a heap snapshot of what the run left alive and waits until the file is complete. */
async function writeHeapSnapshot(server: ChildProcess, appUrl: string, dir: string): Promise<void> {
  const snapshots = () => fs.readdirSync(dir).filter((name) => name.endsWith(".heapsnapshot"));
  const before = new Set(snapshots());
  server.kill("SIGUSR2");
  const started = Date.now();
  let size = -1;
  while (Date.now() - started < 180_000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const written = snapshots().find((name) => !before.has(name));
    if (!written) continue;
    const now = fs.statSync(path.join(dir, written)).size;
    // V8 writes the snapshot synchronously: once the server answers again, the file is whole.
    const answered = await fetch(`${appUrl}/api/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (answered && now === size) return note(`heap snapshot: ${path.join(dir, written)}`);
    size = now;
  }
  note("the heap snapshot did not complete within 180 s");
}

/** A cookie jar per origin, enough for the OIDC redirects between the portal and the dev IdP. */
class CookieJar {
  private readonly cookies = new Map<string, Map<string, string>>();
  store(url: string, response: Response) {
    const host = new URL(url).host;
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const at = pair!.indexOf("=");
      const value = pair!.slice(at + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === "") jar.delete(pair!.slice(0, at));
      else jar.set(pair!.slice(0, at), value);
    }
    this.cookies.set(host, jar);
  }
  header(url: string) {
    return [...(this.cookies.get(new URL(url).host) ?? new Map<string, string>())]
      .map(([k, v]) => `${k}=${v}`)
      .join("; ");
  }
  get(url: string, name: string) {
    return this.cookies.get(new URL(url).host)?.get(name);
  }
}

/** Signs a persona in through the dev IdP's authorization-code flow; returns the portal's Cookie header. */
async function signIn(appUrl: string, persona: PersonaKey): Promise<string> {
  const jar = new CookieJar();
  const send = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) },
    });
    jar.store(url, response);
    return response;
  };
  const csrf = (await (await send(`${appUrl}/api/auth/csrf`)).json()) as { csrfToken: string };
  let response = await send(`${appUrl}/api/auth/signin/oidc`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: appUrl },
    body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: `${appUrl}/` }).toString(),
  });
  let url = `${appUrl}/api/auth/signin/oidc`;
  for (let hop = 0; hop < 20; hop++) {
    const location = response.headers.get("location");
    if (response.status === 200 && /\/interaction\//.test(url)) {
      response = await send(`${url.replace(/\/$/, "")}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ persona }).toString(),
      });
      continue;
    }
    if (!location || response.status < 300 || response.status >= 400) break;
    url = new URL(location, url).toString();
    if (url.startsWith(appUrl) && !url.includes("/api/auth/")) break;
    response = await send(url);
  }
  const token = jar.get(appUrl, "authjs.session-token");
  if (!token) throw new Error(`${persona} could not sign in (stopped at ${url}, HTTP ${response.status})`);
  return `authjs.session-token=${token}`;
}

/** One autocannon run; latencies are collected per response so p95 is exact, errors are non-2xx plus socket errors. */
async function load(
  url: string,
  cookie: string | null,
  connections: number,
  run: { seconds: number; amount: number | null },
) {
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const instance = autocannon({
    url,
    connections,
    ...(run.amount ? { amount: run.amount } : { duration: run.seconds }),
    headers: cookie ? { cookie } : {},
    timeout: 60,
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    if (status < 200 || status >= 300) non2xx += 1;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  return {
    served: latencies.length,
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: non2xx + result.errors + result.timeouts,
  };
}

async function main() {
  const options = parseWebBenchArgs(process.argv.slice(2), processEnvironment());
  const buildEnv: NodeJS.ProcessEnv = {
    ...processEnvironment(),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: options.distDir,
  };
  if (options.build) {
    note(`building the web app into ${options.distDir} (next build)`);
    await run([nextBin, "build"], buildEnv);
  } else if (!fs.existsSync(path.join(options.distDir, "BUILD_ID"))) {
    throw new Error(`--no-build: ${options.distDir} holds no production build`);
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-web-"));
  fs.chmodSync(root, 0o755);
  const database = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  const sim = await startSimulator({ port: 0 });
  // The host Auth.js builds its callback URL from (the request's own host, as Next reports it).
  const appUrl = `http://localhost:${options.port}`;
  const idp = await startDevIdp({ ...OIDC_CLIENT, appUrl, port: 0 });
  let server: ChildProcess | undefined;
  const stopServer = async () => {
    const child = server;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  try {
    await applyMigrations(database.url);
    const db = createPrismaClient(database.url);
    const port = createIdentityCenterPort({
      region: "us-east-1",
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
    });
    const system = { actor: systemActor("bench"), db, now: () => new Date() };
    await syncInventory({ ctx: system, port });
    // As the worker does at start-up: requests name the policy version they were made under.
    const { policyId } = await loadPolicy({ ctx: system, input: { file: getEnv().POLICY_FILE } });
    await db.$disconnect();
    note(`seeding a large organization (${options.events.toLocaleString("en-US")} audit events)`);
    const seeded = await seedWebOrganization({
      databaseUrl: database.url,
      policyId,
      ...options,
      log: (l) => note(l.trim()),
    });
    bench("web.seed.accounts", seeded.accounts, "accounts");
    bench("web.seed.permission_sets", seeded.permissionSets, "permission sets");
    bench("web.seed.pending_requests", seeded.pendingRequests, "requests");
    bench("web.seed.active_grants", seeded.activeGrants, "grants");
    bench("web.seed.audit_events", seeded.history.events, "events");

    const profileArgs = options.profileDir
      ? [
          "--cpu-prof",
          `--cpu-prof-dir=${path.resolve(options.profileDir)}`,
          "--heap-prof",
          `--heap-prof-dir=${path.resolve(options.profileDir)}`,
          // A full heap snapshot after the load, written on SIGUSR2 (writeHeapSnapshot).
          "--heapsnapshot-signal=SIGUSR2",
          `--diagnostic-dir=${path.resolve(options.profileDir)}`,
        ]
      : [];
    if (options.profileDir) fs.mkdirSync(options.profileDir, { recursive: true });
    const web = spawn(process.execPath, [...profileArgs, nextBin, "start", "-p", String(options.port)], {
      env: {
        ...buildEnv,
        DATABASE_URL: database.url,
        APP_URL: appUrl,
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
        OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
        AWS_SIMULATOR_URL: sim.url,
        IDENTITY_CENTER_INSTANCE_ARN: DEMO_SEED.instanceArn,
        IDENTITY_STORE_ID: DEMO_SEED.identityStoreId,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    server = web;
    const started = Date.now();
    for (;;) {
      if (web.exitCode !== null) throw new Error("next start stopped before it was ready");
      const ready = await fetch(`${appUrl}/api/ready`).catch(() => null);
      if (ready?.ok) break;
      if (Date.now() - started > 120_000) throw new Error("next start was not ready within 120 s");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const personas = [...new Set(PAGES.map((p) => p.persona))];
    const cookies = new Map<PersonaKey, string>();
    for (const persona of personas) cookies.set(persona, await signIn(appUrl, persona));
    const ownRequest = await seedPersonaRequests(database.url, policyId, findPersona("alice")!.email, 30);
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const pages = PAGES.filter((p) => p.name === "signin" || !options.pages || options.pages.includes(p.name)).map(
      (p) => ({
        ...p,
        url: appUrl + p.path.replace("{request}", ownRequest).replace("{weekAgo}", weekAgo),
        cookie: p.name === "signin" ? null : cookies.get(p.persona)!,
      }),
    );
    if (options.saveHtmlDir) fs.mkdirSync(options.saveHtmlDir, { recursive: true });
    // One visit each first: a page that fails here would only measure its error page.
    for (const page of pages) {
      const response = await fetch(page.url, {
        headers: page.cookie ? { cookie: page.cookie } : {},
        redirect: "manual",
      });
      const body = await response.arrayBuffer();
      bench(`web.${page.name}.html_bytes`, body.byteLength, "bytes");
      if (options.saveHtmlDir) fs.writeFileSync(path.join(options.saveHtmlDir, `${page.name}.html`), Buffer.from(body));
      if (response.status !== 200) note(`${page.name}: the first visit answered HTTP ${response.status}`);
    }

    const rssBefore = serverRssMb(web.pid!);
    const figures: PageFigures[] = [];
    const windows: { page: string; connections: number; startUs: number; endUs: number }[] = [];
    for (const connections of options.connections) {
      for (const page of pages) {
        const cpuBefore = cpuMs(web.pid!);
        // Monotonic microseconds, the clock V8's CPU profile samples are stamped with: lets a profile be cut per page.
        const startUs = Number(process.hrtime.bigint() / 1000n);
        const amount = options.requestsPerConnection ? options.requestsPerConnection * connections : null;
        const { served, ...measured } = await load(page.url, page.cookie, connections, {
          seconds: options.durationSeconds,
          amount,
        });
        const cpuPerRequest = served > 0 ? (cpuMs(web.pid!) - cpuBefore) / served : NaN;
        const entry = { page: page.name, connections, ...measured, cpuPerRequest };
        figures.push(entry);
        windows.push({ page: page.name, connections, startUs, endUs: Number(process.hrtime.bigint() / 1000n) });
        const floor = figures.find((f) => f.page === "signin" && f.connections === connections);
        for (const text of pageLines(entry, floor, page.target)) console.log(text);
      }
    }
    const rssAfter = serverRssMb(web.pid!);
    for (const text of rssLines(rssBefore, rssAfter)) console.log(text);
    if (options.profileDir) {
      fs.writeFileSync(path.join(options.profileDir, "page-windows.json"), JSON.stringify(windows, null, 1));
      await writeHeapSnapshot(web, appUrl, options.profileDir);
    }
    const missed = missedTargets(figures, rssAfter);
    note(
      `targets (authenticated pages at c${TARGETS.targetConnections}: >= ${TARGETS.floorRatio} of the floor, p95 <= ${TARGETS.p95Ms} ms; rss <= ${TARGETS.rssMb} MB; 0 errors): ${
        missed.length === 0 ? "all met" : `missed ${missed.join("; ")}`
      }`,
    );
  } finally {
    await stopServer();
    await idp.close();
    await sim.close();
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

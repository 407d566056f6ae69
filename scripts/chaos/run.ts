// `npm run test:chaos [-- --scenario kills|faults|db-restart|sim-outage|burst|groups|all] [--quick] [--seed N] [--keep]`: worker processes
// against the simulator, SIGKILLed (and sometimes SIGTERMed) at random and restarted, over many short grants; then checks
// that AWS holds exactly what the grants say, nothing is stuck, every transition is audited, no operation was lost or
// doubled, and the shared AWS limits held. Prints `BENCH chaos_<scenario>_<name> <value> <unit>`; exits 1 on a broken invariant.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { PgBoss } from "pg-boss";
import { verifyAuditChain } from "../../lib/audit/verify-chain";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase, type EmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { processEnvironment } from "../../lib/env";
import { createBossJobQueue, type JobQueue } from "../../lib/jobs/job-queue";
import { QUEUES } from "../../lib/jobs/queues";
import { releaseGrant } from "../../lib/services/grants/release-grant";
import type { LoggedCall, SimulatorLog, SimulatorStateView } from "../../lib/simulator/runtime";
import type { AssignmentOperation } from "../../lib/simulator/state";
import { DEMO_SEED } from "../../lib/simulator/seed";
import { startBoss } from "../../lib/worker/boss";
import { PutInlinePolicyToPermissionSetCommand } from "@aws-sdk/client-sso-admin";
import { sdkClients } from "../../lib/simulator/testing";
import * as checks from "./checks";
import { createRandom, planGrants, seedGrants, STANDING, type PlanOptions, type SeededGrant } from "./plan";
import { SimulatorProcess, WorkerPool } from "./processes";
import { chooseStop } from "./stop-plan";
import {
  chaosGroupIds,
  groupInvariants,
  OUT_OF_BAND_BEFORE_RUN,
  planGroupGrants,
  releaseGroupGrants,
  seedGroupGrants,
} from "./groups";

const SCENARIOS = ["kills", "faults", "db-restart", "sim-outage", "burst", "groups"] as const;
type Scenario = (typeof SCENARIOS)[number];

interface ScenarioConfig {
  workers: number;
  plan: PlanOptions;
  killEverySeconds: [number, number];
  restartAfterSeconds: [number, number];
  /** Share of stops that are SIGTERM (graceful) instead of SIGKILL. */
  sigtermShare: number;
  faults: { throttleRate: number; internalErrorRate: number; asyncFailureRate: number } | null;
  dbRestart: { atSeconds: number; downSeconds: number } | null;
  simOutage: { atSeconds: number; downSeconds: number } | null;
  /** After the last window ends, how long everything may take to settle. */
  convergeSeconds: number;
  /** Fail the run when removal lag p99 exceeds this (the target under faults). */
  removalLagP99LimitSeconds: number | null;
  /** How long the simulator's assignment operations take; defaults to ASYNC_DELAY_MS. */
  asyncDelayMs?: number;
  /** Fail unless removals were waited for through ListAccountAssignmentDeletionStatus sweeps. */
  expectBatchedVerification?: boolean;
}

const REQUESTS_PER_SECOND = 19;
const MAX_INFLIGHT_CREATES = 10;
const ASYNC_DELAY_MS = 500;
const GRACEFUL_TIMEOUT_MS = 30_000;
// Written into every permission set before the run: each session deny edit must keep it byte for byte.
const CUSTOMER_STATEMENT = `{"Sid":"ChaosCustomerRead", "Effect":"Allow","Action":["s3:Get*"],"Resource":"*"}`;

function scenarioConfig(scenario: Scenario, quick: boolean, outageSeconds: number | undefined): ScenarioConfig {
  const plan: PlanOptions = quick
    ? {
        grants: 40,
        spreadSeconds: 20,
        windowSeconds: [3, 8],
        standingShare: 0.08,
        releaseShare: 0.1,
        tuplesPerGrant: 0.4,
      }
    : {
        grants: 200,
        spreadSeconds: 120,
        windowSeconds: [3, 10],
        standingShare: 0.05,
        releaseShare: 0.1,
        tuplesPerGrant: 0.35,
      };
  const base: ScenarioConfig = {
    workers: 3,
    plan,
    killEverySeconds: quick ? [4, 8] : [3, 8],
    restartAfterSeconds: [0.5, 3],
    sigtermShare: 0.2,
    faults: null,
    dbRestart: null,
    simOutage: null,
    convergeSeconds: quick ? 60 : 180,
    removalLagP99LimitSeconds: null,
  };
  const spread = plan.spreadSeconds;
  switch (scenario) {
    case "kills":
      // The quick run inside `npm test` packs a short simulator outage and light faults into the kill run.
      return quick
        ? {
            ...base,
            simOutage: { atSeconds: spread * 0.4, downSeconds: outageSeconds ?? 5 },
            faults: { throttleRate: 0.1, internalErrorRate: 0.02, asyncFailureRate: 0.02 },
          }
        : base;
    case "faults":
      return {
        ...base,
        plan: { ...plan, grants: quick ? plan.grants : 150 },
        faults: { throttleRate: 0.3, internalErrorRate: 0.05, asyncFailureRate: 0.02 },
        removalLagP99LimitSeconds: 60,
      };
    case "db-restart":
      return { ...base, dbRestart: { atSeconds: spread * 0.4, downSeconds: quick ? 5 : 10 } };
    case "burst":
      // Grants whose ends fall within seconds of each other, operations as slow as AWS's, workers killed meanwhile:
      // the removals are waited for in shared status sweeps, and a killed sweep's waiters must resume elsewhere.
      return {
        ...base,
        plan: { ...plan, grants: quick ? 40 : 150, spreadSeconds: 10, windowSeconds: [15, 17], releaseShare: 0 },
        killEverySeconds: [2, 5],
        asyncDelayMs: 1_500,
        expectBatchedVerification: true,
      };
    case "groups":
      // Temporary group memberships: pairs shared between grants, pre-existing members, early ends, kills meanwhile.
      return base;
    case "sim-outage":
      return {
        ...base,
        simOutage: { atSeconds: spread * 0.3, downSeconds: outageSeconds ?? (quick ? 10 : 60) },
        convergeSeconds: base.convergeSeconds + (outageSeconds ?? 60),
      };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[chaos] ${line}`);

interface Bench {
  name: string;
  value: number;
  unit: string;
}

class Run {
  readonly root: string;
  readonly benches: Bench[] = [];
  readonly failures: string[] = [];
  private database: EmbeddedDatabase | null = null;
  private dbPort = 0;
  db: PrismaClient | null = null;
  boss: PgBoss | null = null;
  sim: SimulatorProcess | null = null;
  workers: WorkerPool | null = null;
  readonly savedLogs: SimulatorLog[] = [];
  readonly outages: checks.Outage[] = [];
  readonly random: () => number;
  databaseUrl = "";

  constructor(
    readonly scenario: Scenario,
    readonly config: ScenarioConfig,
    readonly seed: number,
  ) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `chaos-${scenario}-`));
    fs.chmodSync(this.root, 0o755);
    this.random = createRandom(seed);
  }

  bench(name: string, value: number, unit: string) {
    this.benches.push({ name, value, unit });
    console.log(
      `BENCH chaos_${this.scenario.replace("-", "_")}_${name} ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`,
    );
  }

  expect(ok: boolean, what: string) {
    if (!ok) this.failures.push(what);
  }

  private between([low, high]: [number, number]) {
    return low + this.random() * (high - low);
  }

  async startDatabase() {
    this.dbPort ||= await findFreePort();
    // A restartable cluster must survive stop(); the others trade durability for speed and delete themselves.
    this.database = await startEmbeddedDatabase({
      dataDir: path.join(this.root, "pg"),
      port: this.dbPort,
      ephemeral: !this.config.dbRestart,
    });
    return this.database.url;
  }

  async setup() {
    const url = await this.startDatabase();
    this.databaseUrl = url;
    await applyMigrations(url);
    this.db = createPrismaClient(url);
    this.boss = await startBoss({ databaseUrl: url, role: "producer" });
    for (const name of Object.values(QUEUES)) await this.boss.createQueue(name);
    const simSettings: Record<string, string> = {
      SIM_ASYNC_DELAY_MS: String(this.config.asyncDelayMs ?? ASYNC_DELAY_MS),
      SIM_RETRY_AFTER_SECONDS: "1",
    };
    if (this.config.faults) {
      Object.assign(simSettings, {
        SIM_THROTTLE_RATE: String(this.config.faults.throttleRate),
        SIM_INTERNAL_ERROR_RATE: String(this.config.faults.internalErrorRate),
        SIM_ASYNC_FAILURE_RATE: String(this.config.faults.asyncFailureRate),
        // The assignment path only: a worker must still be able to start (inventory sync) to be killed again.
        SIM_FAULT_OPERATIONS:
          "CreateAccountAssignment,DeleteAccountAssignment,DescribeAccountAssignmentCreationStatus,DescribeAccountAssignmentDeletionStatus,ListAccountAssignments",
      });
    }
    const baseEnv: NodeJS.ProcessEnv = {
      ...Object.fromEntries(
        Object.entries(processEnvironment()).filter(
          ([key]) => !key.startsWith("SIM_") && !key.startsWith("AWS_") && key !== "DATABASE_URL",
        ),
      ),
      NODE_ENV: "development",
    };
    this.sim = new SimulatorProcess({
      port: await findFreePort(),
      statePath: path.join(this.root, "simulator", "state.json"),
      logFile: path.join(this.root, "simulator.log"),
      settings: simSettings,
      env: baseEnv,
    });
    await this.sim.start();
    const { ssoAdmin } = sdkClients(this.sim.url);
    for (const set of DEMO_SEED.permissionSets)
      await ssoAdmin.send(
        new PutInlinePolicyToPermissionSetCommand({
          InstanceArn: DEMO_SEED.instanceArn,
          PermissionSetArn: set.arn,
          InlinePolicy: `{"Version":"2012-10-17","Statement":[${CUSTOMER_STATEMENT}]}`,
        }),
      );
    ssoAdmin.destroy();
    this.workers = new WorkerPool({
      count: this.config.workers,
      logDir: this.root,
      gracefulTimeoutMs: GRACEFUL_TIMEOUT_MS,
      env: {
        ...baseEnv,
        NODE_ENV: "development",
        DATABASE_URL: url,
        AWS_SIMULATOR_URL: this.sim.url,
        IDENTITY_CENTER_INSTANCE_ARN: DEMO_SEED.instanceArn,
        IDENTITY_STORE_ID: DEMO_SEED.identityStoreId,
        AWS_REQUESTS_PER_SECOND: String(REQUESTS_PER_SECOND),
        AWS_MAX_INFLIGHT_CREATES: String(MAX_INFLIGHT_CREATES),
        // The reconciler runs alongside, as in production, only more often: it must not fight the grants' own removals.
        RECONCILE_EVERY_SECONDS: "20",
      },
    });
    const started = Date.now();
    await this.workers.startAll();
    this.bench("worker_start", (Date.now() - started) / 1000, "s");
  }

  async seedGrants(): Promise<SeededGrant[]> {
    const queue: JobQueue = createBossJobQueue(this.boss!);
    const plan = planGrants(this.config.plan, this.random);
    // Starts a few seconds out, so seeding finishes before the first window opens.
    const origin = new Date(Date.now() + 4_000);
    const seeded = await seedGrants(this.db!, queue, plan, origin);
    log(
      `${seeded.length} grants on ${new Set(seeded.map((g) => `${g.tuple.accountId}|${g.tuple.permissionSetArn}|${g.tuple.principalId}`)).size} tuples over ${this.config.plan.spreadSeconds} s (seed ${this.seed}); logs in ${this.root}`,
    );
    return seeded;
  }

  /** SIGKILL (sometimes SIGTERM) a random worker every few seconds until `until`, restarting each after a moment. */
  async killLoop(until: number) {
    let kills = 0;
    let sigterms = 0;
    while (Date.now() < until) {
      await sleep(this.between(this.config.killEverySeconds) * 1000);
      if (Date.now() >= until) break;
      const stop = chooseStop(this.workers!.phases(), this.random, this.config.sigtermShare);
      if (!stop) continue;
      const restartAfter = this.between(this.config.restartAfterSeconds) * 1000;
      if (stop.signal === "SIGTERM") {
        sigterms += 1;
        // Not awaited: kills go on meanwhile, but never at this worker while it stops gracefully.
        void this.workers!.terminate(stop.worker, restartAfter);
      } else {
        kills += 1;
        await this.workers!.kill(stop.worker, restartAfter);
      }
    }
    return { kills, sigterms };
  }

  /** Requesters giving access back early, through the release verb (endRequestGrants), at random points in their windows. */
  async releaseLoop(grants: SeededGrant[]) {
    const due = grants.filter((g) => g.releaseAt).sort((a, b) => a.releaseAt!.getTime() - b.releaseAt!.getTime());
    const queue = createBossJobQueue(this.boss!);
    let released = 0;
    for (const grant of due) {
      await sleep(Math.max(0, grant.releaseAt!.getTime() - Date.now()));
      const user = await this.db!.user.findUnique({ where: { id: grant.requesterId } }).catch(() => null);
      if (!user) continue;
      const actor = {
        type: "user" as const,
        userId: user.id,
        email: user.email!,
        name: user.name,
        roles: user.roles,
        groups: user.idpGroups,
        identityStoreUserId: user.identityStoreUserId,
        ip: null,
        userAgent: "chaos",
      };
      try {
        await releaseGrant({
          ctx: { actor, db: this.db!, now: () => new Date() },
          input: { requestId: grant.requestId },
          queue,
        });
        released += 1;
      } catch {
        // Not releasable any more (failed, already ending) or the database is down: the grant simply runs to its end.
      }
    }
    return released;
  }

  async fetchSim<T>(route: string): Promise<T> {
    const response = await fetch(`${this.sim!.url}${route}`);
    if (!response.ok) throw new Error(`simulator ${route}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  async simulatorOutage(atMs: number, downMs: number) {
    await sleep(Math.max(0, atMs - Date.now()));
    // The call log lives in the simulator's memory: keep what it saw before it goes.
    this.savedLogs.push(await this.fetchSim<SimulatorLog>("/__sim/log"));
    const from = Date.now();
    await this.sim!.stop();
    log(`simulator down for ${downMs / 1000} s`);
    await sleep(downMs);
    await this.sim!.start();
    this.outages.push({ kind: "simulator", fromMs: from, toMs: Date.now() });
    log("simulator back");
  }

  /** Stops Postgres, starts it again on the same data, and measures how long until nothing that was due is overdue. */
  async databaseRestart(atMs: number, downMs: number, grants: SeededGrant[]) {
    await sleep(Math.max(0, atMs - Date.now()));
    const from = Date.now();
    await this.database!.stop();
    log(`database down for ${downMs / 1000} s`);
    await sleep(downMs);
    await this.startDatabase();
    const back = Date.now();
    this.outages.push({ kind: "database", fromMs: from, toMs: back });
    log("database back");
    const ids = grants.map((g) => g.grantId);
    for (;;) {
      const now = new Date();
      const overdue = await this.db!.grant.count({
        where: {
          id: { in: ids },
          OR: [
            { endsAt: { lte: new Date(back) }, status: { notIn: ["REMOVED", "CANCELLED", "FAILED"] } },
            { startsAt: { lte: new Date(back) }, endsAt: { gt: now }, status: { in: ["SCHEDULED", "PROVISIONING"] } },
          ],
        },
      }).catch(() => -1);
      if (overdue === 0) return (Date.now() - back) / 1000;
      if (Date.now() - back > this.config.convergeSeconds * 1000) return Number.NaN;
      await sleep(250);
    }
  }

  async waitForConvergence(grants: SeededGrant[], deadline: number) {
    const ids = grants.map((g) => g.grantId);
    for (;;) {
      const open = await this.db!.grant.count({
        where: { id: { in: ids }, status: { notIn: ["REMOVED", "CANCELLED", "FAILED"] } },
      }).catch(() => -1);
      const inFlight =
        open === 0
          ? (await this.fetchSim<SimulatorStateView>("/__sim/state").catch(() => null))?.inFlight.length
          : undefined;
      if (open === 0 && inFlight === 0) return true;
      if (Date.now() > deadline) return false;
      await sleep(1_000);
    }
  }

  /** The session denies and inline policies as they stand: what the session checks read. */
  async sessionEvidence(grants: checks.GrantRow[]): Promise<checks.SessionEvidence> {
    const [revocations, state] = await Promise.all([
      this.db!.sessionRevocation.findMany(),
      this.fetchSim<SimulatorStateView>("/__sim/state"),
    ]);
    return {
      grants,
      revocations,
      inlinePolicies: state.inlinePolicies,
      provisioned: state.provisioned,
      customerStatement: CUSTOMER_STATEMENT,
    };
  }

  /**
   * The workers' own cleanup job, as if 13 h had passed (every deny's expiry moves into the past), with every worker
   * SIGKILLed as soon as the cleanup has changed something in AWS, twice; the restarted workers must finish it.
   */
  async cleanupUnderKills(): Promise<{ kills: number; cleaned: number; left: number }> {
    const db = this.db!;
    await db.$executeRaw`UPDATE "SessionRevocation" SET "expiresAt" = now() - interval '1 minute' WHERE status <> 'CLEANED'`;
    const pending = () =>
      db.sessionRevocation.count({ where: { status: { not: "CLEANED" }, identityStoreUserId: { not: null } } });
    const cleanupCalls = async () => {
      const { calls } = (await this.fetchSim<SimulatorStateView>("/__sim/state")).counters;
      return (
        (calls.PutInlinePolicyToPermissionSet ?? 0) +
        (calls.DeleteInlinePolicyFromPermissionSet ?? 0) +
        (calls.ProvisionPermissionSet ?? 0)
      );
    };
    const due = await pending();
    const workers = this.workers!.phases().length;
    let kills = 0;
    for (let round = 0; round < 2 && (await pending()) > 0; round++) {
      const baseline = await cleanupCalls();
      await this.boss!.send(QUEUES.cleanSessionRevocations, {});
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await cleanupCalls()) === baseline) await sleep(25);
      if ((await cleanupCalls()) === baseline) break;
      await Promise.all(Array.from({ length: workers }, (_, worker) => this.workers!.kill(worker, 300)));
      kills++;
      await this.workers!.ensureAllRunning();
    }
    const deadline = Date.now() + 90_000;
    while ((await pending()) > 0 && Date.now() < deadline) {
      await this.boss!.send(QUEUES.cleanSessionRevocations, {}, { singletonKey: "chaos-cleanup", singletonSeconds: 2 });
      await sleep(1_000);
    }
    const left = await pending();
    return { kills, cleaned: due - left, left };
  }

  async collect(): Promise<checks.ChaosEvidence> {
    const db = this.db!;
    const [grants, audit, state, last] = await Promise.all([
      db.grant.findMany(),
      db.auditEvent.findMany({
        where: { entityType: { in: ["grant", "drift"] } },
        orderBy: { seq: "asc" },
        select: { entityId: true, action: true, before: true, after: true },
      }),
      this.fetchSim<SimulatorStateView>("/__sim/state"),
      this.fetchSim<SimulatorLog>("/__sim/log"),
    ]);
    const logs = [...this.savedLogs, last];
    const calls: LoggedCall[] = logs.flatMap((l) => l.calls);
    const operations = new Map<string, AssignmentOperation>();
    for (const entry of logs) for (const op of entry.operations) operations.set(op.requestId, op);
    return {
      grants,
      audit,
      assignments: state.assignments,
      operations: [...operations.values()],
      calls,
      workerEvents: this.workers!.events,
      outages: this.outages,
      standing: STANDING,
      limits: {
        requestsPerSecond: REQUESTS_PER_SECOND,
        burst: REQUESTS_PER_SECOND,
        maxInflightCreates: MAX_INFLIGHT_CREATES,
        asyncDelayMs: this.config.asyncDelayMs ?? ASYNC_DELAY_MS,
      },
    };
  }

  /** Synchronous, for process exit: Postgres would otherwise outlive a harness that died. */
  killDatabaseNow() {
    try {
      const pid = Number(fs.readFileSync(path.join(this.root, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGQUIT");
    } catch {
      // Not running.
    }
  }

  async teardown() {
    this.workers?.killAllNow();
    await this.sim?.stop().catch(() => undefined);
    await this.boss?.stop({ graceful: false }).catch(() => undefined);
    await this.db?.$disconnect().catch(() => undefined);
    await this.database?.stop().catch(() => undefined);
  }
}

async function runScenario(
  scenario: Scenario,
  quick: boolean,
  seed: number,
  outageSeconds: number | undefined,
  keep: boolean,
): Promise<boolean> {
  const config = scenarioConfig(scenario, quick, outageSeconds);
  const run = new Run(scenario, config, seed);
  const started = Date.now();
  log(
    `scenario ${scenario}${quick ? " (quick)" : ""}: ${config.workers} workers, ${config.plan.grants} grants${config.faults ? `, faults ${JSON.stringify(config.faults)}` : ""}${config.dbRestart ? `, database restart ${config.dbRestart.downSeconds} s` : ""}${config.simOutage ? `, simulator outage ${config.simOutage.downSeconds} s` : ""}`,
  );
  const stopEverything = () => {
    run.workers?.killAllNow();
    run.sim?.killNow();
    run.killDatabaseNow();
  };
  process.once("exit", stopEverything);
  try {
    await run.setup();
    if (scenario === "groups") await groupsScenario(run, config);
    else await assignmentScenario(run, config);
  } catch (error) {
    run.failures.push(
      `the run itself failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    run.bench("total_time", (Date.now() - started) / 1000, "s");
    await run.teardown();
    process.removeListener("exit", stopEverything);
  }
  if (run.failures.length) {
    for (const failure of run.failures) console.error(`[chaos] FAIL ${scenario}: ${failure}`);
    console.error(`[chaos] logs kept in ${run.root} (replay with --seed ${seed})`);
    return false;
  }
  log(`${scenario}: all invariants hold`);
  if (!keep) fs.rmSync(run.root, { recursive: true, force: true });
  return true;
}

/** The assignment scenarios: grants through kills (and faults, outages, restarts), then every invariant checked. */
async function assignmentScenario(run: Run, config: ScenarioConfig) {
  const grants = await run.seedGrants();
  const origin = Math.min(...grants.map((g) => g.startsAt.getTime()));
  const lastEnd = Math.max(...grants.map((g) => g.endsAt.getTime()));
  const disruptions: Promise<unknown>[] = [];
  let convergeAfterDbRestart: Promise<number> | null = null;
  if (config.simOutage)
    disruptions.push(
      run.simulatorOutage(origin + config.simOutage.atSeconds * 1000, config.simOutage.downSeconds * 1000),
    );
  if (config.dbRestart)
    disruptions.push(
      (convergeAfterDbRestart = run.databaseRestart(
        origin + config.dbRestart.atSeconds * 1000,
        config.dbRestart.downSeconds * 1000,
        grants,
      )),
    );
  const [killed, released] = await Promise.all([run.killLoop(lastEnd), run.releaseLoop(grants), ...disruptions]);
  await Promise.all(disruptions);
  log("last window ended; no more kills; waiting for the workers to settle everything");
  await run.workers!.ensureAllRunning();
  const settleStarted = Date.now();
  const converged = await run.waitForConvergence(grants, Date.now() + config.convergeSeconds * 1000);
  const evidence = await run.collect();
  const chain = await verifyAuditChain(run.db!);
  // Kept with the logs when the run fails (or with --keep), to see what happened to each grant.
  fs.writeFileSync(path.join(run.root, "evidence.json"), JSON.stringify(evidence, null, 1));

  const grantRows = evidence.grants;
  const cycles = grantRows.filter((g) => g.createVerifiedAt && g.status === "REMOVED").length;
  const leaked = checks.leakedAssignments(evidence);
  const standing = checks.standingViolations(evidence);
  const stuck = checks.stuckGrants(grantRows);
  const unaudited = checks.unauditedGrants(grantRows, evidence.audit);
  const lost = checks.lostOperations(evidence);
  const accounting = checks.operationAccounting(evidence);
  const rate = checks.rateViolations(evidence);
  const inflight = checks.inflightCreates(evidence);
  const lags = checks.removalLags(grantRows);
  const crashes = evidence.workerEvents.filter((e) => e.type === "crash").length;
  const sessions = await run.sessionEvidence(grantRows);
  const unrevoked = checks.unrevokedGrants(sessions);
  const customerLost = checks.lostCustomerStatements(sessions);
  run.bench("session_denies", sessions.revocations.length, "revocations");
  run.bench("unrevoked_grants", unrevoked.length, "grants");
  run.bench("customer_statements_lost", customerLost.length, "permission sets");
  run.expect(
    unrevoked.length === 0,
    `ended grants whose sessions were not cut: ${JSON.stringify(unrevoked.slice(0, 5))}`,
  );
  run.expect(customerLost.length === 0, `customer statements lost from: ${customerLost.join(", ")}`);
  const cleanup = await run.cleanupUnderKills();
  const afterCleanup = await run.sessionEvidence(grantRows);
  const leftover = checks.leftoverPortalStatements(afterCleanup);
  run.bench("session_denies_cleaned", cleanup.cleaned, "revocations");
  run.bench("session_cleanup_kills", cleanup.kills, "rounds of SIGKILL to every worker");
  run.expect(cleanup.left === 0, `session denies not cleaned by the restarted workers: ${cleanup.left}`);
  run.expect(leftover.length === 0, `portal statements left after cleanup: ${JSON.stringify(leftover)}`);
  run.expect(checks.lostCustomerStatements(afterCleanup).length === 0, "the cleanup lost a customer statement");

  run.bench("grants", grantRows.length, "grants");
  run.bench("cycles", cycles, "cycles");
  run.bench("kills", killed.kills, "kills");
  run.bench("sigterms", killed.sigterms, "stops");
  run.bench("worker_crashes", crashes, "exits");
  run.bench("releases", released, "releases");
  run.bench("failed_grants", grantRows.filter((g) => g.status === "FAILED").length, "grants");
  run.bench("windows_missed", grantRows.filter((g) => g.status === "CANCELLED").length, "grants");
  run.bench("leaked_assignments", leaked.length, "assignments");
  run.bench("standing_removed", standing, "assignments");
  run.bench("stuck_grants", stuck.length, "grants");
  run.bench("unaudited_grants", unaudited.length, "grants");
  run.bench("lost_operations", lost.length, "operations");
  run.bench("doubled_operations", accounting.doubled, "operations");
  run.bench("orphan_operations_after_kill", accounting.orphans, "operations");
  run.bench("aws_operations", evidence.operations.length, "operations");
  run.bench("removal_lag_p50", checks.percentile(lags, 50), "s");
  run.bench("removal_lag_p99", checks.percentile(lags, 99), "s");
  run.bench("removal_lag_max", lags.length ? Math.max(...lags) : 0, "s");
  for (const window of rate.report)
    run.bench(`sso_calls_max_per_${window.windowMs / 1000}s`, window.most, `calls (bound ${window.bound})`);
  run.bench("simulator_rate_limited", rate.rateLimited, "calls");
  const verification = checks.deletionVerificationCalls(evidence);
  run.bench("deletion_status_sweeps", verification.sweeps, "calls");
  run.bench("deletion_status_describes", verification.describes, "calls");
  run.bench("deletes_issued", verification.deletes, "calls");
  run.bench("max_inflight_creates", inflight.most, `creates (limit ${MAX_INFLIGHT_CREATES})`);
  const graceful = run.workers!.gracefulStops;
  if (graceful.length)
    run.bench(
      "sigterm_exit_p99",
      checks.percentile(
        graceful.map((stop) => stop.ms),
        99,
      ) / 1000,
      "s",
    );
  run.bench("sigterm_unclean_exits", graceful.filter((stop) => !stop.clean).length, "stops");
  if (convergeAfterDbRestart) run.bench("converge_after_db_restart", await convergeAfterDbRestart, "s");
  run.bench("settle_after_last_window", (Date.now() - settleStarted) / 1000, "s");
  run.bench("audit_chain_intact", chain.intact ? 1 : 0, "bool");
  run.bench("reconciler_findings", await run.db!.driftFinding.count(), "findings");
  run.bench("reconciler_removals", evidence.audit.filter((row) => row.action === "drift.removed").length, "removals");

  run.expect(converged, `did not settle within ${config.convergeSeconds} s after the last window`);
  run.expect(leaked.length === 0, `leaked assignments: ${JSON.stringify(leaked.slice(0, 5))}`);
  run.expect(standing === 0, "the standing assignment was removed");
  run.expect(
    stuck.length === 0,
    `stuck grants: ${stuck
      .slice(0, 5)
      .map((g) => `${g.id}=${g.status}`)
      .join(", ")}`,
  );
  run.expect(
    unaudited.length === 0,
    `grants whose transitions are not all audited: ${unaudited
      .slice(0, 5)
      .map((g) => g.id)
      .join(", ")}`,
  );
  run.expect(lost.length === 0, `lost operations: ${JSON.stringify(lost.slice(0, 5))}`);
  run.expect(
    accounting.doubled === 0,
    `doubled operations (${accounting.unexplained.length} unexplained unrecorded): ${JSON.stringify(accounting.unexplained.slice(0, 5))}`,
  );
  run.expect(rate.violations === 0, `sso-admin calls above the shared limit: ${JSON.stringify(rate.report)}`);
  run.expect(inflight.excess === 0, `creates in flight above the limit by ${inflight.excess}`);
  run.expect(chain.intact, "the audit hash chain is broken");
  run.expect(
    graceful.every((stop) => stop.clean),
    "a SIGTERMed worker did not exit cleanly within the graceful timeout",
  );
  run.expect(cycles > 0, "no grant went through a full cycle");
  if (config.expectBatchedVerification)
    run.expect(
      verification.sweeps > 0 && verification.describes < verification.deletes,
      `removals were not waited for in shared status sweeps: ${JSON.stringify(verification)}`,
    );
  if (config.removalLagP99LimitSeconds !== null)
    run.expect(
      checks.percentile(lags, 99) <= config.removalLagP99LimitSeconds,
      `removal lag p99 above ${config.removalLagP99LimitSeconds} s`,
    );
  if (convergeAfterDbRestart)
    run.expect(Number.isFinite(await convergeAfterDbRestart), "did not converge after the database restart");
}

/** Group memberships through kills: no leaked membership, no pre-existing member removed, every ended grant verified. */
async function groupsScenario(run: Run, config: ScenarioConfig) {
  const queue = createBossJobQueue(run.boss!);
  const db = run.db!;
  for (const pair of OUT_OF_BAND_BEFORE_RUN) {
    const response = await fetch(`${run.sim!.url}/__sim/group-memberships`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(pair),
    });
    if (!response.ok) throw new Error(`could not add the pre-existing member: HTTP ${response.status}`);
  }
  const memberships = async () =>
    (await run.fetchSim<SimulatorStateView>("/__sim/state")).groupMemberships.filter((m) =>
      chaosGroupIds.has(m.groupId),
    );
  const before = await memberships();
  const plan = planGroupGrants(config.plan, run.random);
  const grants = await seedGroupGrants(db, queue, plan, new Date(Date.now() + 4_000));
  log(
    `${grants.length} group grants on ${new Set(plan.map((p) => `${p.groupName}|${p.userId}`)).size} (group, user) pairs; logs in ${run.root}`,
  );
  const lastEnd = Math.max(...grants.map((g) => g.endsAt.getTime()));
  const [killed, released] = await Promise.all([run.killLoop(lastEnd), releaseGroupGrants(db, queue, grants)]);
  log("last window ended; no more kills; waiting for the workers to settle every group grant");
  await run.workers!.ensureAllRunning();
  const settleStarted = Date.now();
  const ids = grants.map((g) => g.grantId);
  const deadline = Date.now() + config.convergeSeconds * 1000;
  let converged = false;
  while (!converged && Date.now() < deadline) {
    const open = await db.groupGrant
      .count({ where: { id: { in: ids }, status: { notIn: ["REMOVED", "CANCELLED", "FAILED"] } } })
      .catch(() => -1);
    converged = open === 0;
    if (!converged) await sleep(1_000);
  }
  const [rows, audit, after, last, chain] = await Promise.all([
    db.groupGrant.findMany({ where: { id: { in: ids } } }),
    db.auditEvent.findMany({
      where: { entityType: "group_grant" },
      orderBy: { seq: "asc" },
      select: { entityId: true, action: true, before: true, after: true },
    }),
    memberships(),
    run.fetchSim<SimulatorLog>("/__sim/log"),
    verifyAuditChain(db),
  ]);
  fs.writeFileSync(path.join(run.root, "evidence.json"), JSON.stringify({ rows, audit, before, after }, null, 1));
  const result = groupInvariants({ grants: rows, audit, before, after });
  const calls = (operation: string) => last.calls.filter((call) => call.operation === operation).length;
  run.bench("group_grants", rows.length, "grants");
  run.bench("cycles", result.cycles, "cycles");
  run.bench("kept_for_other_holder", result.kept, "grants");
  run.bench("kills", killed.kills, "kills");
  run.bench("sigterms", killed.sigterms, "stops");
  run.bench("releases", released, "releases");
  run.bench("failed_grants", rows.filter((g) => g.status === "FAILED").length, "grants");
  run.bench("windows_missed", rows.filter((g) => g.status === "CANCELLED").length, "grants");
  run.bench("leaked_memberships", result.leaked.length, "memberships");
  run.bench("preexisting_members_removed", result.preexistingRemoved.length, "memberships");
  run.bench("unverified_removals", result.unverified.length, "grants");
  run.bench("stuck_grants", result.stuck.length, "grants");
  run.bench("unaudited_grants", result.unaudited.length, "grants");
  run.bench("create_group_membership_calls", calls("CreateGroupMembership"), "calls");
  run.bench("delete_group_membership_calls", calls("DeleteGroupMembership"), "calls");
  run.bench("settle_after_last_window", (Date.now() - settleStarted) / 1000, "s");
  run.bench("audit_chain_intact", chain.intact ? 1 : 0, "bool");
  run.expect(converged, `did not settle within ${config.convergeSeconds} s after the last window`);
  run.expect(result.leaked.length === 0, `leaked memberships: ${JSON.stringify(result.leaked.slice(0, 5))}`);
  run.expect(
    result.preexistingRemoved.length === 0,
    `pre-existing members removed: ${JSON.stringify(result.preexistingRemoved.slice(0, 5))}`,
  );
  run.expect(
    result.unverified.length === 0,
    `ended without a verified removal: ${result.unverified.map((g) => g.id).join(", ")}`,
  );
  run.expect(
    result.stuck.length === 0,
    `stuck group grants: ${result.stuck
      .slice(0, 5)
      .map((g) => `${g.id}=${g.status}`)
      .join(", ")}`,
  );
  run.expect(
    result.unaudited.length === 0,
    `group grants not fully audited: ${result.unaudited
      .slice(0, 5)
      .map((g) => g.id)
      .join(", ")}`,
  );
  run.expect(chain.intact, "the audit hash chain is broken");
  run.expect(result.cycles > 0, "no group grant went through a full cycle");
}

async function main() {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string", default: "kills" },
      quick: { type: "boolean", default: false },
      seed: { type: "string" },
      "outage-seconds": { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const requested = values.scenario === "all" ? [...SCENARIOS] : [values.scenario as Scenario];
  for (const scenario of requested)
    if (!SCENARIOS.includes(scenario))
      throw new Error(`unknown scenario "${scenario}"; expected one of ${SCENARIOS.join(", ")} or all`);
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const outageSeconds = values["outage-seconds"] ? Number(values["outage-seconds"]) : undefined;
  let ok = true;
  for (const scenario of requested)
    ok = (await runScenario(scenario, values.quick, seed, outageSeconds, values.keep)) && ok;
  process.exit(ok ? 0 : 1);
}

// Interrupted: take the worker processes down with us (the simulator watches its parent itself).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

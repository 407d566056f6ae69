// `npm run bench:sim`: throughput and latency of the Identity Center simulator driven through the real AWS SDK.
// Flags: --seconds=N per phase (default 3), --concurrency=N calls in flight in total (default 32),
// --workers=N SDK load threads (default 2; one SDK client costs ~0.5 ms CPU per call), --in-process (no child process).
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  SSOAdminClient,
  type PrincipalType,
} from "@aws-sdk/client-sso-admin";
import { DEMO_SEED, seedAccount, seedPermissionSet } from "../../lib/simulator/seed";
import { startSimulator } from "../../lib/simulator/server";

type PhaseName = "describe" | "create" | "list_assignments" | "describe_raw_http";

interface PhaseRequest {
  phase: PhaseName;
  seconds: number;
  concurrency: number;
  requestIds: string[];
}

interface PhaseResult {
  calls: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

interface WorkerSetup {
  url: string;
  workerIndex: number;
  workerCount: number;
}

const SIMULATOR_ENV = {
  SIM_PORT: "0",
  SIM_STATE_PATH: "off",
  SIM_RATE_LIMIT_PER_SECOND: "0",
  SIM_IDENTITY_STORE_RATE_LIMIT_PER_SECOND: "0",
  SIM_ASYNC_DELAY_MS: "0",
  SIM_MAX_INFLIGHT_CREATES: "1000000",
};

function sdkClient(url: string, agent: http.Agent): SSOAdminClient {
  return new SSOAdminClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "simulator", secretAccessKey: "simulator" },
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
}

function assignmentTuples() {
  const principals: { type: PrincipalType; id: string }[] = [
    ...DEMO_SEED.users.map((user) => ({ type: "USER" as const, id: user.userId })),
    ...DEMO_SEED.groups.map((group) => ({ type: "GROUP" as const, id: group.groupId })),
  ];
  return DEMO_SEED.accounts.flatMap((account) =>
    DEMO_SEED.permissionSets.flatMap((set) =>
      principals.map((principal) => ({ accountId: account.id, permissionSetArn: set.arn, principal })),
    ),
  );
}

const TUPLES = assignmentTuples();

function createCommand(index: number) {
  const tuple = TUPLES[index % TUPLES.length]!;
  return new CreateAccountAssignmentCommand({
    InstanceArn: DEMO_SEED.instanceArn,
    TargetId: tuple.accountId,
    TargetType: "AWS_ACCOUNT",
    PermissionSetArn: tuple.permissionSetArn,
    PrincipalType: tuple.principal.type,
    PrincipalId: tuple.principal.id,
  });
}

// Raw keep-alive HTTP without the SDK: the simulator's own ceiling, for comparison with the SDK figures.
function rawDescribe(url: string, agent: http.Agent, requestId: string): Promise<void> {
  const body = JSON.stringify({ InstanceArn: DEMO_SEED.instanceArn, AccountAssignmentCreationRequestId: requestId });
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "SWBExternalService.DescribeAccountAssignmentCreationStatus",
          "content-length": Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on("end", () =>
          response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

// Keeps `concurrency` calls in flight for `seconds` and records each call's latency.
async function drive(
  seconds: number,
  concurrency: number,
  call: (index: number) => Promise<unknown>,
): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const index = next++;
      const callStarted = performance.now();
      try {
        await call(index);
        latenciesMs.push(performance.now() - callStarted);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { calls: latenciesMs.length, errors, seconds: (performance.now() - started) / 1000, latenciesMs };
}

function runLoadWorker(setup: WorkerSetup) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const sso = sdkClient(setup.url, agent);
  const paymentsProd = seedAccount("payments-prod").id;
  const readOnly = seedPermissionSet("ReadOnly").arn;
  parentPort!.on("message", (request: PhaseRequest | "stop") => {
    if (request === "stop") {
      sso.destroy();
      agent.destroy();
      process.exit(0);
    }
    // Interleave indexes across workers so two workers never create the same tuple at once.
    const spread = (index: number) => index * setup.workerCount + setup.workerIndex;
    const calls: Record<PhaseName, (index: number) => Promise<unknown>> = {
      describe: (index) =>
        sso.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: DEMO_SEED.instanceArn,
            AccountAssignmentCreationRequestId: request.requestIds[spread(index) % request.requestIds.length]!,
          }),
        ),
      create: (index) => sso.send(createCommand(spread(index))),
      list_assignments: () =>
        sso.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: DEMO_SEED.instanceArn,
            AccountId: paymentsProd,
            PermissionSetArn: readOnly,
          }),
        ),
      describe_raw_http: (index) =>
        rawDescribe(setup.url, agent, request.requestIds[spread(index) % request.requestIds.length]!),
    };
    void drive(request.seconds, request.concurrency, calls[request.phase]).then((result) =>
      parentPort!.postMessage(result),
    );
  });
}

function percentile(sorted: number[], fraction: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

function report(name: string, value: number, unit: string) {
  console.log(`BENCH ${name} ${value.toFixed(unit === "req/s" ? 0 : 2)} ${unit}`);
}

async function startChildSimulator(): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = path.resolve(import.meta.dirname, "../simulator.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...SIMULATOR_ENV },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /^SIMULATOR READY (\S+)$/m.exec(buffer);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`simulator exited before it was ready (code ${code})`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, stop };
}

async function startInProcessSimulator(): Promise<{ url: string; stop: () => Promise<void> }> {
  const sim = await startSimulator({
    config: {
      rateLimitPerSecond: 0,
      identityStoreRateLimitPerSecond: 0,
      asyncDelayMs: 0,
      maxInflightCreates: 1_000_000,
    },
  });
  return { url: sim.url, stop: () => sim.close() };
}

async function main() {
  const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
  const seconds = Number(argument("seconds") ?? 3);
  const concurrency = Number(argument("concurrency") ?? 32);
  const workerCount = Number(argument("workers") ?? 2);
  const inProcess = process.argv.includes("--in-process");

  const simulator = inProcess ? await startInProcessSimulator() : await startChildSimulator();
  const agent = new http.Agent({ keepAlive: true });
  const sso = sdkClient(simulator.url, agent);
  // Worker threads do not inherit tsx's loader: register it in the thread, then load this file.
  const workerEntry = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const workers = Array.from(
    { length: workerCount },
    (_, workerIndex) =>
      new Worker(workerEntry, {
        eval: true,
        workerData: { url: simulator.url, workerIndex, workerCount } satisfies WorkerSetup,
      }),
  );
  const workerFailure = new Promise<never>((_, reject) => {
    for (const worker of workers) worker.once("error", reject);
  });
  console.log(
    `[bench] simulator ${simulator.url} (${inProcess ? "in process" : "child process"}); ${concurrency} calls in flight over ${workerCount} SDK worker threads; ${seconds} s per phase`,
  );

  const runPhase = async (phase: PhaseName, requestIds: string[], phaseSeconds = seconds): Promise<PhaseResult> => {
    const perWorker = Math.max(1, Math.ceil(concurrency / workerCount));
    const results = await Promise.race([
      workerFailure,
      Promise.all(
        workers.map(
          (worker) =>
            new Promise<PhaseResult>((resolve) => {
              worker.once("message", resolve);
              worker.postMessage({
                phase,
                seconds: phaseSeconds,
                concurrency: perWorker,
                requestIds,
              } satisfies PhaseRequest);
            }),
        ),
      ),
    ]);
    return {
      calls: results.reduce((sum, result) => sum + result.calls, 0),
      errors: results.reduce((sum, result) => sum + result.errors, 0),
      seconds: Math.max(...results.map((result) => result.seconds)),
      latenciesMs: results.flatMap((result) => result.latenciesMs),
    };
  };
  const reportPhase = (name: string, result: PhaseResult) => {
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    report(`sim_${name}_rps`, result.calls / result.seconds, "req/s");
    report(`sim_${name}_p50`, percentile(sorted, 0.5), "ms");
    report(`sim_${name}_p99`, percentile(sorted, 0.99), "ms");
    if (result.errors > 0) report(`sim_${name}_errors`, result.errors, "calls");
  };

  try {
    // One settled creation per tuple gives the describe phase real request ids to look up.
    const requestIds: string[] = [];
    for (let index = 0; index < TUPLES.length; index += 1)
      requestIds.push((await sso.send(createCommand(index))).AccountAssignmentCreationStatus!.RequestId!);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Warm-up: worker start-up, JIT and keep-alive sockets on both sides.
    for (const phase of ["describe", "create", "list_assignments"] as const) await runPhase(phase, requestIds, 1);

    reportPhase("describe", await runPhase("describe", requestIds));
    reportPhase("create", await runPhase("create", requestIds));
    reportPhase("list_assignments", await runPhase("list_assignments", requestIds));
    reportPhase("describe_raw_http", await runPhase("describe_raw_http", requestIds));
  } finally {
    for (const worker of workers) worker.postMessage("stop");
    sso.destroy();
    agent.destroy();
    await simulator.stop();
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error("[bench] failed:", error);
    process.exit(1);
  });
} else {
  runLoadWorker(workerData as WorkerSetup);
}

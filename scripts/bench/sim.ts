// `npm run bench:sim`: throughput and latency of the Identity Center simulator driven through the real AWS SDK.
// Flags: --seconds=N per phase (default 3), --concurrency=N calls in flight (default 32), --in-process (no child process).
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  SSOAdminClient,
  type PrincipalType,
} from "@aws-sdk/client-sso-admin";
import { DEMO_SEED, seedAccount, seedPermissionSet } from "../../lib/simulator/seed";
import { startSimulator } from "../../lib/simulator/server";

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const PHASE_SECONDS = Number(argument("seconds") ?? 3);
const CONCURRENCY = Number(argument("concurrency") ?? 32);
const IN_PROCESS = process.argv.includes("--in-process");
const SIMULATOR_ENV = {
  SIM_PORT: "0",
  SIM_STATE_PATH: "off",
  SIM_RATE_LIMIT_PER_SECOND: "0",
  SIM_IDENTITY_STORE_RATE_LIMIT_PER_SECOND: "0",
  SIM_ASYNC_DELAY_MS: "0",
  SIM_MAX_INFLIGHT_CREATES: "1000000",
};

interface PhaseResult {
  calls: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

function report(name: string, value: number, unit: string) {
  console.log(`BENCH ${name} ${value.toFixed(unit === "req/s" ? 0 : 2)} ${unit}`);
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

// Keeps CONCURRENCY calls in flight for PHASE_SECONDS and records each call's latency.
async function drive(call: (index: number) => Promise<unknown>): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + PHASE_SECONDS * 1000;
  const worker = async () => {
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
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { calls: latenciesMs.length, errors, seconds: (performance.now() - started) / 1000, latenciesMs };
}

function reportPhase(name: string, result: PhaseResult) {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  report(`sim_${name}_rps`, result.calls / result.seconds, "req/s");
  report(`sim_${name}_p50`, percentile(sorted, 0.5), "ms");
  report(`sim_${name}_p99`, percentile(sorted, 0.99), "ms");
  if (result.errors > 0) report(`sim_${name}_errors`, result.errors, "calls");
}

async function startChildSimulator(): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = path.resolve(import.meta.dirname, "../simulator.ts");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], { env: { ...process.env, ...SIMULATOR_ENV }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
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
  const sim = await startSimulator({ config: { rateLimitPerSecond: 0, identityStoreRateLimitPerSecond: 0, asyncDelayMs: 0, maxInflightCreates: 1_000_000 } });
  return { url: sim.url, stop: () => sim.close() };
}

function allAssignmentTuples() {
  const principals: { type: PrincipalType; id: string }[] = [
    ...DEMO_SEED.users.map((user) => ({ type: "USER" as const, id: user.userId })),
    ...DEMO_SEED.groups.map((group) => ({ type: "GROUP" as const, id: group.groupId })),
  ];
  return DEMO_SEED.accounts.flatMap((account) =>
    DEMO_SEED.permissionSets.flatMap((set) => principals.map((principal) => ({ accountId: account.id, permissionSetArn: set.arn, principal }))),
  );
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
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SWBExternalService.DescribeAccountAssignmentCreationStatus", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on("end", () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

async function main() {
  const simulator = IN_PROCESS ? await startInProcessSimulator() : await startChildSimulator();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const sso = new SSOAdminClient({
    endpoint: simulator.url,
    region: "us-east-1",
    credentials: { accessKeyId: "simulator", secretAccessKey: "simulator" },
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
  console.log(`[bench] simulator ${simulator.url} (${IN_PROCESS ? "in process" : "child process"}), ${CONCURRENCY} in flight, ${PHASE_SECONDS} s per phase`);
  try {
    const tuples = allAssignmentTuples();
    const create = (index: number) => {
      const tuple = tuples[index % tuples.length]!;
      return sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: DEMO_SEED.instanceArn,
          TargetId: tuple.accountId,
          TargetType: "AWS_ACCOUNT",
          PermissionSetArn: tuple.permissionSetArn,
          PrincipalType: tuple.principal.type,
          PrincipalId: tuple.principal.id,
        }),
      );
    };

    // Request ids to describe: one creation per tuple, settled before measuring.
    const requestIds: string[] = [];
    for (let index = 0; index < tuples.length; index += 1) requestIds.push((await create(index)).AccountAssignmentCreationStatus!.RequestId!);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const describe = (index: number) =>
      sso.send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: DEMO_SEED.instanceArn, AccountAssignmentCreationRequestId: requestIds[index % requestIds.length]! }));
    await drive(describe); // warm-up: JIT, sockets

    reportPhase("describe", await drive(describe));
    reportPhase("create", await drive(create));
    const paymentsProd = seedAccount("payments-prod").id;
    const readOnly = seedPermissionSet("ReadOnly").arn;
    reportPhase("list_assignments", await drive(() => sso.send(new ListAccountAssignmentsCommand({ InstanceArn: DEMO_SEED.instanceArn, AccountId: paymentsProd, PermissionSetArn: readOnly }))));
    reportPhase("describe_raw_http", await drive((index) => rawDescribe(simulator.url, agent, requestIds[index % requestIds.length]!)));
  } finally {
    sso.destroy();
    agent.destroy();
    await simulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error("[bench] failed:", error);
  process.exit(1);
});

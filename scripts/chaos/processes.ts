// Child processes of the chaos harness: the simulator (so it can be taken away and brought back) and the workers (to kill).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gracefulStopWasClean, type WorkerPhase } from "./stop-plan";

export type WorkerEventType = "start" | "ready" | "sigkill" | "sigterm" | "exit" | "crash";

/** One thing that happened to a worker process, for attributing operations a dead worker left unrecorded. */
export interface WorkerEvent {
  atMs: number;
  worker: number;
  type: WorkerEventType;
  detail?: string;
}

const TSX = ["--import", "tsx"];

interface Started {
  child: ChildProcess;
  ready: Promise<void>;
}

/** Spawns `node --import tsx <script>`, appends its output to `logFile`, and resolves `ready` on the first line matching. */
function startScript(
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  readyPattern: RegExp,
  onLine?: (line: string) => void,
): Started {
  const out = fs.openSync(logFile, "a");
  const child = spawn(process.execPath, [...TSX, script], { env, stdio: ["ignore", "pipe", "pipe"] });
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);
  let isReady = false;
  const relay = (stream: NodeJS.ReadableStream) => {
    let buffer = "";
    stream.on("data", (chunk: Buffer) => {
      fs.writeSync(out, chunk);
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        onLine?.(line);
        if (!isReady && readyPattern.test(line)) {
          isReady = true;
          resolveReady();
        }
      }
    });
  };
  relay(child.stdout!);
  relay(child.stderr!);
  child.on("exit", (code, signal) => {
    fs.closeSync(out);
    if (!isReady)
      rejectReady(new Error(`${path.basename(script)} exited before it was ready (${code ?? signal}); see ${logFile}`));
  });
  return { child, ready };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export interface SimulatorProcessOptions {
  port: number;
  statePath: string;
  logFile: string;
  /** SIM_* settings (see scripts/simulator.ts), kept across restarts. */
  settings: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

/** The simulator in its own process, restartable on the same port and state file. */
export class SimulatorProcess {
  private current: ChildProcess | null = null;
  readonly url: string;

  constructor(private readonly options: SimulatorProcessOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
  }

  async start() {
    const env = {
      ...this.options.env,
      ...this.options.settings,
      SIM_PORT: String(this.options.port),
      SIM_STATE_PATH: this.options.statePath,
    };
    const started = startScript("scripts/simulator.ts", env, this.options.logFile, /SIMULATOR READY/);
    this.current = started.child;
    await started.ready;
  }

  /** SIGTERM: the simulator saves its state and exits, as AWS would keep its state through an outage. */
  async stop() {
    const child = this.current;
    this.current = null;
    if (!child) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited(child);
    clearTimeout(timer);
  }

  get running() {
    return this.current !== null;
  }

  killNow() {
    this.current?.kill("SIGKILL");
  }
}

export interface WorkerPoolOptions {
  count: number;
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** How long a SIGTERMed worker may take before it is killed. */
  gracefulTimeoutMs: number;
  onLine?: (worker: number, line: string) => void;
}

interface WorkerSlot {
  index: number;
  child: ChildProcess | null;
  /** Anything but running means we stop it on purpose, so its exit is not counted as a crash. */
  phase: WorkerPhase;
  restartTimer: NodeJS.Timeout | null;
}

/** N worker processes that the harness kills and restarts; a worker that dies on its own is restarted too. */
export class WorkerPool {
  readonly events: WorkerEvent[] = [];
  private readonly slots: WorkerSlot[];
  private closed = false;
  /** Each SIGTERM: how long the worker took to exit and whether it exited cleanly by itself. */
  readonly gracefulStops: { ms: number; clean: boolean }[] = [];
  private readonly pendingStops = new Set<Promise<void>>();

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = Array.from({ length: options.count }, (_, index) => ({
      index,
      child: null,
      phase: "down" as WorkerPhase,
      restartTimer: null,
    }));
  }

  private record(worker: number, type: WorkerEventType, detail?: string) {
    this.events.push({ atMs: Date.now(), worker, type, ...(detail ? { detail } : {}) });
  }

  /** Starts every worker and waits until all are ready. */
  async startAll() {
    await Promise.all(this.slots.map((slot) => this.start(slot)));
  }

  private start(slot: WorkerSlot): Promise<void> {
    if (this.closed) return Promise.resolve();
    const logFile = path.join(this.options.logDir, `worker-${slot.index}.log`);
    const started = startScript("lib/worker/main.ts", this.options.env, logFile, /WORKER READY/, (line) =>
      this.options.onLine?.(slot.index, line),
    );
    slot.child = started.child;
    slot.phase = "running";
    this.record(slot.index, "start", String(started.child.pid));
    const child = started.child;
    child.on("exit", (code, signal) => {
      const crashed = slot.child === child && slot.phase === "running";
      this.record(slot.index, crashed ? "crash" : "exit", `${code ?? signal}`);
      if (slot.child === child) {
        slot.child = null;
        slot.phase = "down";
      }
      // A worker that died on its own (e.g. it could not reach the database) comes back, like under a supervisor.
      if (crashed && !this.closed) this.scheduleRestart(slot, 1_000);
    });
    return started.ready.then(
      () => this.record(slot.index, "ready"),
      () => undefined,
    );
  }

  private scheduleRestart(slot: WorkerSlot, delayMs: number) {
    if (slot.restartTimer) return;
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!slot.child && !this.closed) void this.start(slot);
    }, delayMs);
  }

  /** Each worker's phase, indexed by worker, for chooseStop. */
  phases(): WorkerPhase[] {
    return this.slots.map((slot) => slot.phase);
  }

  /** SIGKILL now, back after `restartAfterMs`; a worker inside its graceful stop is never killed here. */
  async kill(worker: number, restartAfterMs: number) {
    const slot = this.slots[worker]!;
    const child = slot.child;
    if (!child || slot.phase !== "running") return;
    slot.phase = "killing";
    this.record(worker, "sigkill");
    child.kill("SIGKILL");
    await exited(child);
    this.scheduleRestart(slot, restartAfterMs);
  }

  /** SIGTERM and wait for the graceful exit (killed after the timeout), then back after `restartAfterMs`. */
  terminate(worker: number, restartAfterMs: number): Promise<void> {
    const slot = this.slots[worker]!;
    if (!slot.child || slot.phase !== "running") return Promise.resolve();
    const stop = this.gracefulStop(slot, restartAfterMs);
    this.pendingStops.add(stop);
    void stop.finally(() => this.pendingStops.delete(stop));
    return stop;
  }

  private async gracefulStop(slot: WorkerSlot, restartAfterMs: number) {
    const worker = slot.index;
    const child = slot.child!;
    slot.phase = "terminating";
    this.record(worker, "sigterm");
    const started = Date.now();
    let timedOut = false;
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      timedOut = true;
      this.record(worker, "sigkill", "graceful stop timed out");
      child.kill("SIGKILL");
    }, this.options.gracefulTimeoutMs);
    await exited(child);
    clearTimeout(timer);
    this.gracefulStops.push({
      ms: Date.now() - started,
      clean: gracefulStopWasClean({ exitCode: child.exitCode, signalCode: child.signalCode, timedOut }),
    });
    this.scheduleRestart(slot, restartAfterMs);
  }

  /** Lets every graceful stop in progress finish (so gracefulStops is complete), restarts every worker that is down and waits for all to be ready. */
  async ensureAllRunning() {
    await Promise.all([...this.pendingStops]);
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.restartTimer) {
          clearTimeout(slot.restartTimer);
          slot.restartTimer = null;
        }
        if (!slot.child) await this.start(slot);
      }),
    );
  }

  /** Graceful stop of every worker (the end of a run), returning how long each took. */
  async stopAll(): Promise<number[]> {
    this.closed = true;
    const took: number[] = [];
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        const child = slot.child;
        if (!child) return;
        slot.phase = "terminating";
        const started = Date.now();
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), this.options.gracefulTimeoutMs);
        await exited(child);
        clearTimeout(timer);
        took.push(Date.now() - started);
      }),
    );
    return took;
  }

  /** Last resort when the harness itself is going down. */
  killAllNow() {
    this.closed = true;
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      if (slot.child) slot.phase = "killing";
      slot.child?.kill("SIGKILL");
    }
  }
}

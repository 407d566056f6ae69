// `npm run simulator`: the local IAM Identity Center simulator on its own, configured by SIM_* variables.
import path from "node:path";
import { DEFAULT_SIMULATOR_CONFIG, SimulatorConfigError, startSimulator, type SimulatorConfig } from "../lib/simulator";
import { StateFileError } from "../lib/simulator/persistence";

class SettingError extends Error {}

// asyncDelayMs -> SIM_ASYNC_DELAY_MS
const envNameFor = (key: string) => `SIM_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;

function parseSetting(name: string, raw: string, example: unknown): unknown {
  const value = raw.trim();
  if (typeof example === "number" || example === null) {
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw new SettingError(`${name}: expected a number, got "${raw}"`);
    return Number(value);
  }
  if (typeof example === "boolean") {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    throw new SettingError(`${name}: expected true or false, got "${raw}"`);
  }
  if (Array.isArray(example)) {
    if (value.startsWith("[")) {
      try {
        return JSON.parse(value);
      } catch {
        throw new SettingError(`${name}: expected a JSON array, got "${raw}"`);
      }
    }
    return value === "" ? [] : value.split(",").map((item) => item.trim());
  }
  return value;
}

function readSettings(env: NodeJS.ProcessEnv) {
  const configKeys = Object.keys(DEFAULT_SIMULATOR_CONFIG) as (keyof SimulatorConfig)[];
  const envNames = new Map(configKeys.map((key) => [envNameFor(key), key]));
  const patch: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, key] of envNames) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    try {
      patch[key] = parseSetting(name, raw, DEFAULT_SIMULATOR_CONFIG[key]);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const portRaw = env.SIM_PORT?.trim() || "4566";
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port > 65535)
    problems.push(`SIM_PORT: expected a port number 0-65535, got "${env.SIM_PORT}"`);
  const statePathRaw = env.SIM_STATE_PATH?.trim() || ".data/simulator/state.json";
  const statePath = /^(off|none)$/i.test(statePathRaw) ? undefined : path.resolve(statePathRaw);
  const known = new Set([...envNames.keys(), "SIM_PORT", "SIM_HOST", "SIM_STATE_PATH"]);
  const unknown = Object.keys(env).filter((name) => name.startsWith("SIM_") && !known.has(name));
  return { patch, problems, port, host: env.SIM_HOST?.trim() || "127.0.0.1", statePath, unknown };
}

async function main() {
  const settings = readSettings(process.env);
  for (const name of settings.unknown) console.warn(`[simulator] ignoring unknown variable ${name}`);
  if (settings.problems.length) throw new SettingError(settings.problems.join("\n"));
  const simulator = await startSimulator({
    port: settings.port,
    host: settings.host,
    statePath: settings.statePath,
    config: settings.patch,
  }).catch((error: unknown) => {
    if (error instanceof SimulatorConfigError) {
      // Issues are reported per config key; name the variable that set it.
      throw new SettingError(
        error.issues.map((issue) => issue.replace(/^([A-Za-z]+)/, (key) => envNameFor(key))).join("\n"),
      );
    }
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new SettingError(`SIM_PORT: port ${settings.port} is already in use`);
    throw error;
  });
  const config = simulator.getState().config;
  console.log(
    `[simulator] state ${settings.statePath ?? "in memory"}; async ${config.asyncDelayMs} ms; sso-admin ${config.rateLimitPerSecond || "unlimited"} req/s; caller ${config.callerMode}`,
  );
  console.log(`SIMULATOR READY ${simulator.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[simulator] ${signal}: saving state and stopping`);
    void simulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // A parent that dies without signalling us (SIGKILL, crashed test runner) must not leave the port taken.
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) stop("parent process exited");
  }, 1000).unref();
}

main().catch((error: unknown) => {
  if (error instanceof SettingError) console.error(`[simulator] invalid setting:\n${error.message}`);
  else if (error instanceof StateFileError) console.error(`[simulator] ${error.message}`);
  else console.error("[simulator] failed to start:", error);
  process.exit(1);
});

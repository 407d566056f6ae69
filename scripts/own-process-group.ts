// Runs a node script in a new process group, so a terminal's Ctrl-C (or a group-wide stop) reaches only this launcher,
// which passes it on as one SIGTERM; the script then stops its own children in the order it chooses.
import { spawn } from "node:child_process";

export function launchInOwnGroup(args: readonly string[]) {
  const child = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return child;
}

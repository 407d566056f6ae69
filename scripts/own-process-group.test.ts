import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// A stand-in for the local stack: a child that holds a "database" process and, when told to stop, stops the database itself.
const STACK = `
import { spawn } from "node:child_process";
import fs from "node:fs";
const log = process.argv[2];
const database = spawn(process.execPath, ["-e", \`
  const fs = require("node:fs");
  for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => { fs.appendFileSync(\${JSON.stringify(log)}, "database " + s + "\\\\n"); process.exit(0); });
  console.log("up");
  setInterval(() => {}, 1000);
\`], { stdio: ["ignore", "pipe", "inherit"] });
database.stdout.once("data", () => console.log("STACK READY"));
let stopping = false;
const stop = (why) => {
  if (stopping) return;
  stopping = true;
  fs.appendFileSync(log, "stack " + why + "\\n");
  database.once("exit", () => process.exit(0));
  database.kill("SIGTERM");
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("disconnect", () => stop("disconnect"));
`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "own-group-"));
const stackFile = path.join(dir, "stack.mjs");
const launcherFile = path.join(dir, "launcher.ts");
fs.writeFileSync(stackFile, STACK);
fs.writeFileSync(
  launcherFile,
  `import { launchInOwnGroup } from ${JSON.stringify(path.resolve("scripts/own-process-group.ts"))};\nlaunchInOwnGroup([${JSON.stringify(stackFile)}, process.argv[2]!]);\n`,
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts `args` as the foreground job of a pretend terminal (its own process group), signals that group once ready (Ctrl-C), returns what the stack and database logged. */
async function pressCtrlC(args: string[], log: string, signal: NodeJS.Signals = "SIGINT"): Promise<string[]> {
  const terminal = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    terminal.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("STACK READY") && resolve());
    terminal.once("exit", () => reject(new Error("exited before it was ready")));
  });
  const exited = new Promise<void>((resolve) => terminal.once("exit", () => resolve()));
  process.kill(-terminal.pid!, signal);
  await exited;
  // The stack may outlive a launcher that was killed outright; give it a moment to write its last line.
  for (let i = 0; i < 50 && !fs.readFileSync(log, "utf8").includes("database"); i++)
    await new Promise((r) => setTimeout(r, 100));
  return fs.readFileSync(log, "utf8").trim().split("\n");
}

describe("launchInOwnGroup", () => {
  it("without it, Ctrl-C reaches the database directly, beside the stack's own ordered stop", async () => {
    const log = path.join(dir, "direct.log");
    fs.writeFileSync(log, "");
    expect(await pressCtrlC([stackFile, log], log)).toContain("database SIGINT");
  }, 20_000);

  it("with it, Ctrl-C reaches only the launcher: the stack gets one SIGTERM and stops the database itself", async () => {
    const log = path.join(dir, "launched.log");
    fs.writeFileSync(log, "");
    expect(await pressCtrlC(["--import", "tsx", launcherFile, log], log)).toEqual([
      "stack SIGTERM",
      "database SIGTERM",
    ]);
  }, 20_000);

  it("when the launcher is killed outright, the stack notices and still stops in order", async () => {
    const log = path.join(dir, "killed.log");
    fs.writeFileSync(log, "");
    expect(await pressCtrlC(["--import", "tsx", launcherFile, log], log, "SIGKILL")).toEqual([
      "stack disconnect",
      "database SIGTERM",
    ]);
  }, 20_000);
});

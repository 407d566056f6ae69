import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "slack-simulator.ts");
const tsx = path.resolve(import.meta.dirname, "../node_modules/.bin/tsx");
let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.exitCode === null) child.kill("SIGTERM");
  child = undefined;
});

function run(args: string[]): Promise<{ ready?: string; exitCode?: number | null; output: string }> {
  return new Promise((resolve) => {
    child = spawn(tsx, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /SLACK SIMULATOR READY (\S+)/.exec(output)?.[1];
      if (ready) resolve({ ready, output });
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    child.on("exit", (exitCode) => resolve({ exitCode, output }));
  });
}

describe("scripts/slack-simulator.ts", () => {
  it("starts on the port and with the token given on the command line", async () => {
    const { ready } = await run(["--port", "0", "--bot-token", "xoxb-from-argv", "--no-rate-limits"]);
    expect(ready).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await fetch(`${ready}/api/auth.test`, {
      method: "POST",
      headers: { Authorization: "Bearer xoxb-from-argv" },
    });
    expect(await answer.json()).toMatchObject({ ok: true, user_id: "U0JITBOT" });
    expect(await (await fetch(`${ready}/_control/rate-limits`)).json()).toMatchObject({ enabled: false });
  });

  it("refuses a bad port with a message naming the flag", async () => {
    const { exitCode, output } = await run(["--port", "http"]);
    expect(exitCode).toBe(1);
    expect(output).toContain('--port: expected a port number 0-65535, got "http"');
  });
});

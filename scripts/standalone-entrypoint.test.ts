import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { APP_ENTRIES } from "./standalone-build";

// The image's app folder in miniature: the real entrypoint, with `id` and `node` stand-ins first on PATH.
const root = fs.mkdtempSync(path.join(os.tmpdir(), "portal-entrypoint-"));
const appDir = path.join(root, "app");
const binDir = path.join(root, "bin");
fs.mkdirSync(path.join(appDir, "docker"), { recursive: true });
fs.mkdirSync(binDir);
fs.copyFileSync("docker/entrypoint.sh", path.join(appDir, "docker", "entrypoint.sh"));
fs.writeFileSync(path.join(binDir, "id"), '#!/bin/sh\necho "$FAKE_UID"\n', { mode: 0o755 });
fs.writeFileSync(path.join(binDir, "node"), '#!/bin/sh\necho "node in $PWD: $*"\n', { mode: 0o755 });
const SECRET = "x".repeat(44);

function entrypoint(args: string[], env: Record<string, string>) {
  // `env -i`: the entrypoint sees only the variables given here, as in a container.
  const variables = Object.entries({ PATH: `${binDir}:/usr/bin:/bin`, ...env }).map(
    ([key, value]) => `${key}=${value}`,
  );
  const result = spawnSync("env", ["-i", ...variables, "sh", path.join(appDir, "docker", "entrypoint.sh"), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("docker/entrypoint.sh", () => {
  it.each([
    ["web", APP_ENTRIES.web],
    ["worker", APP_ENTRIES.worker],
    ["migrate", APP_ENTRIES.migrate],
    ["doctor", APP_ENTRIES.doctor],
  ])("runs %s as node %s from the app folder, as the standalone check starts it", (role, entry) => {
    const run = entrypoint([role], { FAKE_UID: "10001", NODE_ENV: "production", AUTH_SECRET: SECRET });
    expect(run).toMatchObject({ status: 0, stdout: `node in ${fs.realpathSync(appDir)}: ${entry}` });
  });

  it("starts the web server when no command is given", () => {
    const run = entrypoint([], { FAKE_UID: "10001", NODE_ENV: "production", AUTH_SECRET: SECRET });
    expect(run.stdout).toBe(`node in ${fs.realpathSync(appDir)}: ${APP_ENTRIES.web}`);
  });

  it.each([
    ["root", { FAKE_UID: "0", NODE_ENV: "production", AUTH_SECRET: SECRET }, /refusing to run as root/],
    ["root even outside production", { FAKE_UID: "0" }, /refusing to run as root/],
    ["production without AUTH_SECRET", { FAKE_UID: "10001", NODE_ENV: "production" }, /AUTH_SECRET is not set/],
    ["production with an empty AUTH_SECRET", { FAKE_UID: "10001", NODE_ENV: "production", AUTH_SECRET: "" }, /not set/],
    [
      "production with a short AUTH_SECRET",
      { FAKE_UID: "10001", NODE_ENV: "production", AUTH_SECRET: "short-secret" },
      /shorter than 32 characters/,
    ],
  ])("refuses to start as %s, naming the fix, and starts nothing", (_case, env, message) => {
    for (const role of ["web", "worker", "migrate"]) {
      const run = entrypoint([role], env);
      expect(run.status).toBe(78);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    }
  });

  it("never prints the secret it checks", () => {
    const short = "short-but-secret-value";
    const run = entrypoint(["web"], { FAKE_UID: "10001", NODE_ENV: "production", AUTH_SECRET: short });
    expect(run.stderr).not.toContain(short);
  });

  it("refuses an unknown command with usage", () => {
    const unknown = entrypoint(["shell"], { FAKE_UID: "10001", NODE_ENV: "production", AUTH_SECRET: SECRET });
    expect(unknown).toMatchObject({ status: 64, stdout: "" });
    expect(unknown.stderr).toMatch(/expected web, worker, migrate or doctor/);
  });
});

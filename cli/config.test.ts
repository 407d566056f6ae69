import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configDir, deleteCredentials, readCredentials, resolvePortal, writeCredentials } from "./config";

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "jit-config-"));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const credentials = {
  portal: "http://localhost:3000",
  accessToken: "tok_secret_value",
  expiresAt: "2026-12-05T18:00:00.000Z",
  deviceName: "laptop",
};

describe("configDir", () => {
  it.each([
    [{ JIT_CONFIG_DIR: "/x/jit-test", XDG_CONFIG_HOME: "/x/xdg", HOME: "/home/a" }, "/x/jit-test"],
    [{ XDG_CONFIG_HOME: "/x/xdg", HOME: "/home/a" }, "/x/xdg/jit"],
    [{ XDG_CONFIG_HOME: "", HOME: "/home/a" }, "/home/a/.config/jit"],
    [{ HOME: "/home/a" }, "/home/a/.config/jit"],
  ])("%j → %s", (env, dir) => {
    expect(configDir(env)).toBe(dir);
  });
});

describe("credentials file", () => {
  it("is created owner-only (0600) in an owner-only folder (0700), whatever the umask", () => {
    const env = { XDG_CONFIG_HOME: home };
    const previous = process.umask(0o000);
    try {
      const file = writeCredentials(env, credentials);
      expect(file).toBe(path.join(home, "jit", "credentials.json"));
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(home, "jit")).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it("tightens a folder that existed with looser rights and replaces an older file with a looser mode", () => {
    const dir = path.join(home, "jit");
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, "credentials.json"), "{}", { mode: 0o644 });
    const file = writeCredentials({ JIT_CONFIG_DIR: dir }, credentials);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dir)).toEqual(["credentials.json"]);
  });

  it("reads back what was written, ignores a broken file and is gone after delete", () => {
    const env = { JIT_CONFIG_DIR: path.join(home, "c") };
    expect(readCredentials(env)).toBeNull();
    writeCredentials(env, credentials);
    expect(readCredentials(env)).toEqual(credentials);
    fs.writeFileSync(path.join(home, "c", "credentials.json"), "not json");
    expect(readCredentials(env)).toBeNull();
    expect(deleteCredentials(env)).toBe(true);
    expect(deleteCredentials(env)).toBe(false);
  });
});

describe("resolvePortal", () => {
  it("prefers --portal, then JIT_PORTAL_URL, then the config file, then the signed-in portal", () => {
    const dir = path.join(home, "p");
    const env = { JIT_CONFIG_DIR: dir };
    expect(resolvePortal(undefined, env)).toBeNull();
    writeCredentials(env, credentials);
    expect(resolvePortal(undefined, env)).toBe("http://localhost:3000");
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ portal: "https://jit.example.com/" }));
    expect(resolvePortal(undefined, env)).toBe("https://jit.example.com");
    expect(resolvePortal(undefined, { ...env, JIT_PORTAL_URL: "https://env.example.com" })).toBe(
      "https://env.example.com",
    );
    expect(resolvePortal("https://flag.example.com/portal/", { ...env, JIT_PORTAL_URL: "https://x" })).toBe(
      "https://flag.example.com/portal",
    );
  });

  it.each(["ftp://jit.example.com", "not a url", "https://user:pw@jit.example.com"])("refuses %j", (url) => {
    expect(resolvePortal(url, { JIT_CONFIG_DIR: path.join(home, "none") })).toBeNull();
  });
});

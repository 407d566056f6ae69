import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

/** The environment the CLI reads; passed in so tests never touch the real home directory. */
export type CliEnv = Readonly<Record<string, string | undefined>>;

export function configDir(env: CliEnv): string {
  if (env.JIT_CONFIG_DIR) return env.JIT_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "jit");
}

export const Credentials = z.object({
  portal: z.string(),
  accessToken: z.string().min(1),
  expiresAt: z.string(),
  deviceName: z.string(),
});
export type Credentials = z.infer<typeof Credentials>;

export const CliConfig = z
  .object({ portal: z.string().optional(), ssoStartUrl: z.string().optional(), ssoRegion: z.string().optional() })
  .partial();
export type CliConfig = z.infer<typeof CliConfig>;

const credentialsPath = (env: CliEnv) => path.join(configDir(env), "credentials.json");
const configPath = (env: CliEnv) => path.join(configDir(env), "config.json");

function readJson<T>(file: string, schema: z.ZodType<T>): T | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const readCredentials = (env: CliEnv) => readJson(credentialsPath(env), Credentials);
export const readConfig = (env: CliEnv): CliConfig => readJson(configPath(env), CliConfig) ?? {};

/** The token file is owner-only from its first byte (a fresh file written then renamed), its folder too. */
export function writeCredentials(env: CliEnv, credentials: Credentials): string {
  const dir = configDir(env);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const file = credentialsPath(env);
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.fchmodSync(handle, 0o600);
    fs.writeFileSync(handle, `${JSON.stringify(credentials, null, 2)}\n`);
  } finally {
    fs.closeSync(handle);
  }
  fs.renameSync(temporary, file);
  return file;
}

/** True when a credentials file was there to delete. */
export function deleteCredentials(env: CliEnv): boolean {
  try {
    fs.unlinkSync(credentialsPath(env));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** --portal, then JIT_PORTAL_URL, then the config file, then the portal the stored token belongs to. */
export function resolvePortal(flag: string | undefined, env: CliEnv): string | null {
  const candidate = flag || env.JIT_PORTAL_URL || readConfig(env).portal || readCredentials(env)?.portal;
  return candidate ? normalizePortal(candidate) : null;
}

export function normalizePortal(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    if (parsed.username || parsed.password) return null;
    return parsed.origin + parsed.pathname.replace(/\/+$/, "");
  } catch {
    return null;
  }
}

// Picks up a changed policy file without a restart: a periodic check plus SIGHUP, both through reloadPolicy.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import type { ServiceContext } from "../services/context";
import type { PolicyCheck } from "../services/policy/load-policy";
import { reloadPolicy, type PolicyReload } from "../services/policy/reload-policy";

export interface PolicyReloaderLog {
  info: (fields: object, message: string) => void;
  error: (fields: object, message: string) => void;
}

export interface PolicyReloader {
  /** Checks now; "forced" re-validates even an unchanged file (SIGHUP: e.g. a group created in AWS since). */
  check: (mode: "if-changed" | "forced") => Promise<PolicyReload | null>;
  stop: () => void;
}

async function fileFingerprint(file: string): Promise<string | null> {
  try {
    return createHash("sha256")
      .update(await fs.readFile(file))
      .digest("hex");
  } catch {
    // Unreadable: let the load report it (with the file named) rather than guess here.
    return null;
  }
}

export function createPolicyReloader({
  ctx,
  file,
  intervalSeconds,
  checks = [],
  log,
  retryInvalidEveryMs = 60_000,
}: {
  ctx: ServiceContext;
  file: string;
  intervalSeconds: number;
  checks?: readonly PolicyCheck[];
  log: PolicyReloaderLog;
  /** An unchanged invalid file is checked again this often (a check that asks AWS may pass later); its alert stays open meanwhile. */
  retryInvalidEveryMs?: number;
}): PolicyReloader {
  // The last file content this process settled (loaded, found unchanged), and the last one it refused.
  let settled: string | null = null;
  let refused: { fingerprint: string | null; at: number } | null = null;
  let running: Promise<PolicyReload | null> = Promise.resolve(null);
  let timer: NodeJS.Timeout | undefined;

  async function run(mode: "if-changed" | "forced"): Promise<PolicyReload | null> {
    const fingerprint = await fileFingerprint(file);
    if (mode === "if-changed" && fingerprint !== null && fingerprint === settled) return null;
    const sameRefusal = refused !== null && refused.fingerprint === fingerprint;
    if (mode === "if-changed" && sameRefusal && Date.now() - refused!.at < retryInvalidEveryMs) return null;
    try {
      const result = await reloadPolicy({ ctx, input: { file }, checks });
      if (result.status === "invalid") {
        settled = null;
        refused = { fingerprint, at: Date.now() };
        // Once per refused content (and per signal), not once per interval.
        if (!sameRefusal || mode === "forced")
          log.error(
            { policyFile: file, problems: result.problems.slice(0, 20) },
            "policy file is invalid; the previous policy stays in force",
          );
      } else {
        refused = null;
        settled = fingerprint;
        if (result.status === "loaded")
          log.info({ policyFile: file, version: result.version, policyId: result.policyId }, "access policy loaded");
      }
      return result;
    } catch (error) {
      // Database or AWS away: nothing switched; the next check tries again.
      log.error({ policyFile: file, errorType: error instanceof Error ? error.name : "error" }, "policy check failed");
      return null;
    }
  }

  // One check at a time per process: a SIGHUP during a timer check runs after it.
  const check = (mode: "if-changed" | "forced") => (running = running.then(() => run(mode)));
  if (intervalSeconds > 0) {
    timer = setInterval(() => void check("if-changed"), intervalSeconds * 1000);
    timer.unref();
  }
  return { check, stop: () => clearInterval(timer) };
}

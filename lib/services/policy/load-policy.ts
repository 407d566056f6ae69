import { createHash } from "node:crypto";
import fs from "node:fs";
import YAML from "yaml";
import { Prisma } from "../../generated/prisma/client";
import { AppError } from "../../domain/errors";
import { parsePolicyDocument, type PolicyProblem } from "../../domain/policy";
import { diffPolicies } from "../../domain/policy-diff";
import type { PolicyDocument } from "../../domain/policy-schema";
import { resolveAlert } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(
      `Invalid access policy in ${file}:\n${problems.map((p) => `  - ${p.path || "(file)"}: ${p.message}`).join("\n")}`,
    );
    this.name = "PolicyFileError";
  }
}

/** Reads and validates a policy file; every problem names the file, the path inside it and the reason. */
export function readPolicyFile(file: string) {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new PolicyFileError(file, [
      { path: "", message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` },
    ]);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text, { maxAliasCount: 50, uniqueKeys: true });
  } catch (error) {
    throw new PolicyFileError(file, [
      { path: "", message: `is not valid YAML: ${(error as Error).message.split("\n")[0]}` },
    ]);
  }
  const parsed = parsePolicyDocument(raw);
  if (!parsed.ok) throw new PolicyFileError(file, parsed.problems);
  return {
    document: parsed.policy,
    contentHash: createHash("sha256").update(JSON.stringify(parsed.policy)).digest("hex"),
  };
}

/** Checks that need the outside world (e.g. that named Identity Center groups exist); run at start-up and on every reload. */
export type PolicyCheck = (document: PolicyDocument) => Promise<PolicyProblem[]>;

/** Reads, validates and runs every check; a PolicyFileError names the file, path and reason. */
export async function validatePolicyFile(file: string, checks: readonly PolicyCheck[] = []) {
  const read = readPolicyFile(file);
  const problems = (await Promise.all(checks.map((check) => check(read.document)))).flat();
  if (problems.length > 0) throw new PolicyFileError(file, problems);
  return read;
}

// Serializes activations across every process, so two loaders of the same new file make one version and one audit row.
const POLICY_ACTIVATION_LOCK = 7_419_016;

/** One alert per policy file while it is invalid; cleared when a valid file loads. */
export const invalidPolicyAlertKey = (file: string) => `policy-invalid:${file}`;

export interface LoadedPolicy {
  policyId: string;
  version: number;
  changed: boolean;
}

/** Makes the file's policy the active one (system verb: start-up and reload); unchanged content is a no-op. */
export async function loadPolicy({
  ctx,
  input,
  checks = [],
}: {
  ctx: ServiceContext;
  input: { file: string };
  checks?: readonly PolicyCheck[];
}): Promise<LoadedPolicy> {
  if (ctx.actor.type !== "system")
    throw new AppError("FORBIDDEN", "Policies are loaded from the repository, not edited in the portal.");
  const { document, contentHash } = await validatePolicyFile(input.file, checks);
  const loaded = await ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${POLICY_ACTIVATION_LOCK})`;
    const now = ctx.now();
    // Before any audit write: alert lock, then the audit chain lock, the order every alert writer takes them in.
    await resolveAlert(
      tx,
      ctx.actor,
      { dedupeKey: invalidPolicyAlertKey(input.file), reason: "a valid policy file was loaded" },
      now,
    );
    const current = await tx.policy.findFirst({ where: { active: true }, orderBy: { loadedAt: "desc" } });
    if (current?.contentHash === contentHash) return { policyId: current.id, version: current.version, changed: false };
    // Compare-and-set on the version this loader read: a switch it did not see is a conflict, never overwritten.
    if (current) {
      const moved = await tx.policy.updateMany({ where: { id: current.id, active: true }, data: { active: false } });
      if (moved.count !== 1) throw new AppError("CONFLICT", "The active policy changed while this one was loading.");
    }
    // Find, then create or reactivate: an upsert would draw a version number even when it only reactivates.
    const known = await tx.policy.findUnique({ where: { contentHash }, select: { id: true } });
    const row = known
      ? await tx.policy.update({
          where: { id: known.id },
          data: { active: true, loadedAt: now, sourcePath: input.file },
        })
      : await tx.policy.create({
          data: {
            contentHash,
            sourcePath: input.file,
            document: document as unknown as Prisma.InputJsonValue,
            active: true,
            loadedAt: now,
          },
        });
    const summary = (policy: { id: string; version: number; contentHash: string }) => ({
      policyId: policy.id,
      version: policy.version,
      contentHash: policy.contentHash,
    });
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: current ? "policy.changed" : "policy.loaded",
        entityType: "policy",
        entityId: row.id,
        before: current ? summary(current) : null,
        after: {
          ...summary(row),
          source: input.file,
          ...(current ? { diff: diffPolicies(current.document, document) } : {}),
        },
      },
      now,
    );
    return { policyId: row.id, version: row.version, changed: true };
  });
  return loaded;
}

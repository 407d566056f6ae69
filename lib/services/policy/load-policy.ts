import { createHash } from "node:crypto";
import fs from "node:fs";
import YAML from "yaml";
import { Prisma } from "../../generated/prisma/client";
import { AppError } from "../../domain/errors";
import { parsePolicyDocument } from "../../domain/policy";
import type { PolicyDocument } from "../../domain/policy-schema";
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

/**
 * Makes the file's policy the active one (system verb, run at start-up); unchanged content is a no-op. `verify` runs
 * checks that need AWS (Identity Center group names) and throws PolicyFileError before anything is activated.
 */
export async function loadPolicy({
  ctx,
  input,
  verify,
}: {
  ctx: ServiceContext;
  input: { file: string };
  verify?: (document: PolicyDocument) => Promise<void>;
}) {
  if (ctx.actor.type !== "system")
    throw new AppError("FORBIDDEN", "Policies are loaded from the repository, not edited in the portal.");
  const { document, contentHash } = readPolicyFile(input.file);
  await verify?.(document);
  return ctx.db.$transaction(async (tx) => {
    const current = await tx.policy.findFirst({ where: { active: true } });
    if (current?.contentHash === contentHash) return { policyId: current.id, changed: false };
    await tx.policy.updateMany({ where: { active: true }, data: { active: false } });
    const row = await tx.policy.upsert({
      where: { contentHash },
      create: {
        contentHash,
        sourcePath: input.file,
        document: document as unknown as Prisma.InputJsonValue,
        active: true,
      },
      update: { active: true, loadedAt: ctx.now(), sourcePath: input.file },
    });
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "policy.loaded",
        entityType: "policy",
        entityId: row.id,
        before: current ? { policyId: current.id, contentHash: current.contentHash } : null,
        after: { policyId: row.id, contentHash, source: input.file },
      },
      ctx.now(),
    );
    return { policyId: row.id, changed: true };
  });
}

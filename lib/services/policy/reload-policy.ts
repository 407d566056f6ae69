import { raiseAlert } from "../alerts/raise-alert";
import type { ServiceContext } from "../context";
import { invalidPolicyAlertKey, loadPolicy, PolicyFileError, type LoadedPolicy, type PolicyCheck } from "./load-policy";

const MAX_PROBLEMS_IN_ALERT = 20;

export type PolicyReload =
  | ({ status: "loaded" | "unchanged" } & LoadedPolicy)
  | { status: "invalid"; file: string; problems: { path: string; message: string }[]; keptPolicyId: string | null };

/** System verb: loads the file if it validates; an invalid file keeps the active policy and raises an alert naming file, path and reason. */
export async function reloadPolicy({
  ctx,
  input,
  checks = [],
}: {
  ctx: ServiceContext;
  input: { file: string };
  checks?: readonly PolicyCheck[];
}): Promise<PolicyReload> {
  try {
    const loaded = await loadPolicy({ ctx, input, checks });
    return { status: loaded.changed ? "loaded" : "unchanged", ...loaded };
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    const kept = await ctx.db.policy.findFirst({
      where: { active: true },
      orderBy: { loadedAt: "desc" },
      select: { id: true, version: true },
    });
    const first = error.problems[0];
    await raiseAlert({
      ctx,
      input: {
        kind: "policy.invalid",
        severity: "critical",
        dedupeKey: invalidPolicyAlertKey(input.file),
        subject:
          `The policy file ${input.file} is invalid (${first ? `${first.path || "the file"}: ${first.message}` : "unknown problem"}` +
          `${error.problems.length > 1 ? ` and ${error.problems.length - 1} more` : ""}); ` +
          (kept ? `policy version ${kept.version} stays in force.` : "no policy is in force."),
        detail: {
          file: input.file,
          problems: error.problems.slice(0, MAX_PROBLEMS_IN_ALERT),
          keptPolicyId: kept?.id ?? null,
          keptVersion: kept?.version ?? null,
        },
      },
    });
    return { status: "invalid", file: input.file, problems: error.problems, keptPolicyId: kept?.id ?? null };
  }
}

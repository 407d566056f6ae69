import { z } from "zod";
import { describePolicyDiff, type PolicyDiff, type PolicyDiffLine } from "../../domain/policy-diff";
import { UNRESOLVED_ALERT_STATUSES } from "../alerts/raise-alert";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";

const HISTORY_LENGTH = 10;

export interface PolicyVersionChange {
  seq: string;
  at: Date;
  version: number | null;
  previousVersion: number | null;
  source: string | null;
  /** First load: nothing to compare with. */
  first: boolean;
  lines: PolicyDiffLine[];
}

export interface PolicyHistory {
  current: { version: number; loadedAt: Date; previousVersion: number | null } | null;
  changes: PolicyVersionChange[];
  /** An invalid policy file the portal refused (alert readers only): its alert subject names file, path and reason. */
  invalidFile: { subject: string; since: Date } | null;
}

const FieldChange = z.object({ path: z.string() }).passthrough();
const StoredDiff = z.object({
  lists: z.array(
    z.object({
      section: z.string(),
      added: z.array(z.string()),
      removed: z.array(z.string()),
      changed: z.array(z.object({ id: z.string(), changes: z.array(FieldChange) })),
    }),
  ),
  fields: z.array(FieldChange),
});
const StoredSide = z.object({ policyId: z.string(), source: z.string().optional(), diff: StoredDiff.optional() });

/** The active policy's version and the last policy changes with their diffs, newest first, from the audit log. */
export async function getPolicyHistory({ ctx }: { ctx: ServiceContext }): Promise<PolicyHistory> {
  const actor = requireUser(ctx.actor, "policy.read");
  const [active, events, alert] = await Promise.all([
    ctx.db.policy.findFirst({
      where: { active: true },
      orderBy: { loadedAt: "desc" },
      select: { id: true, version: true, loadedAt: true, sourcePath: true },
    }),
    ctx.db.auditEvent.findMany({
      where: { action: { in: ["policy.loaded", "policy.changed"] }, entityType: "policy" },
      orderBy: { seq: "desc" },
      take: HISTORY_LENGTH,
      select: { seq: true, occurredAt: true, before: true, after: true },
    }),
    hasPermission(actor, "drift.read")
      ? ctx.db.alert.findFirst({
          where: { kind: "policy.invalid", status: { in: [...UNRESOLVED_ALERT_STATUSES] } },
          orderBy: { raisedAt: "desc" },
          select: { subject: true, raisedAt: true },
        })
      : null,
  ]);
  const sides = events.map((event) => ({
    event,
    before: StoredSide.safeParse(event.before),
    after: StoredSide.safeParse(event.after),
  }));
  // Versions are read from the rows, so entries written before versions existed still show one.
  const ids = sides.flatMap(({ before, after }) => [
    ...(before.success ? [before.data.policyId] : []),
    ...(after.success ? [after.data.policyId] : []),
  ]);
  const rows = await ctx.db.policy.findMany({ where: { id: { in: ids } }, select: { id: true, version: true } });
  const versionOf = (id: string | undefined) => rows.find((row) => row.id === id)?.version ?? null;
  const changes = sides.map(({ event, before, after }) => ({
    seq: event.seq.toString(),
    at: event.occurredAt,
    version: versionOf(after.data?.policyId),
    previousVersion: versionOf(before.data?.policyId),
    source: after.data?.source ?? null,
    first: !before.success,
    lines: after.data?.diff ? describePolicyDiff(after.data.diff as PolicyDiff) : [],
  }));
  const latest = changes.find((change) => change.version === active?.version);
  return {
    current: active
      ? { version: active.version, loadedAt: active.loadedAt, previousVersion: latest?.previousVersion ?? null }
      : null,
    changes,
    invalidFile: alert ? { subject: alert.subject, since: alert.raisedAt } : null,
  };
}

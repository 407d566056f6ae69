import { z } from "zod";
import { describePolicyDiff, type PolicyDiff, type PolicyDiffLine } from "../../domain/policy-diff";
import { UNRESOLVED_ALERT_STATUSES } from "../alerts/raise-alert";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";

const HISTORY_LENGTH = 10;
const EXPORT_LENGTH = 5_000;

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

type StoredEvent = { seq: bigint; occurredAt: Date; actorLabel: string; before: unknown; after: unknown };

async function presentChanges(ctx: ServiceContext, events: StoredEvent[]) {
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
  return sides.map(({ event, before, after }) => {
    const diff = (after.data?.diff as PolicyDiff | undefined) ?? null;
    return {
      seq: event.seq.toString(),
      at: event.occurredAt,
      actor: event.actorLabel,
      version: versionOf(after.data?.policyId),
      previousVersion: versionOf(before.data?.policyId),
      source: after.data?.source ?? null,
      first: !before.success,
      diff,
      lines: diff ? describePolicyDiff(diff) : [],
    };
  });
}

const POLICY_EVENTS = { action: { in: ["policy.loaded", "policy.changed"] }, entityType: "policy" };

/** Every policy load and change, oldest first, as JSON lines: the diff itself and the same sentences the page shows. */
export async function exportPolicyHistory({ ctx }: { ctx: ServiceContext }): Promise<string> {
  requireUser(ctx.actor, "policy.read");
  const events = await ctx.db.auditEvent.findMany({
    where: POLICY_EVENTS,
    orderBy: { seq: "asc" },
    take: EXPORT_LENGTH,
    select: { seq: true, occurredAt: true, actorLabel: true, before: true, after: true },
  });
  return (await presentChanges(ctx, events))
    .map((change) =>
      JSON.stringify({
        seq: change.seq,
        at: change.at.toISOString(),
        actor: change.actor,
        version: change.version,
        previousVersion: change.previousVersion,
        source: change.source,
        changes: change.lines.map((line) => ({ kind: line.kind, text: line.text, details: line.details })),
        diff: change.diff,
      }),
    )
    .map((line) => `${line}\n`)
    .join("");
}

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
      where: POLICY_EVENTS,
      orderBy: { seq: "desc" },
      take: HISTORY_LENGTH,
      select: { seq: true, occurredAt: true, actorLabel: true, before: true, after: true },
    }),
    hasPermission(actor, "drift.read")
      ? ctx.db.alert.findFirst({
          where: { kind: "policy.invalid", status: { in: [...UNRESOLVED_ALERT_STATUSES] } },
          orderBy: { raisedAt: "desc" },
          select: { subject: true, raisedAt: true },
        })
      : null,
  ]);
  const changes: PolicyVersionChange[] = (await presentChanges(ctx, events)).map((change) => ({
    seq: change.seq,
    at: change.at,
    version: change.version,
    previousVersion: change.previousVersion,
    source: change.source,
    first: change.first,
    lines: change.lines,
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

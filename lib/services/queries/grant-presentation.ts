import type { Db } from "../../db";
import { groupTargetShortLabel } from "../../domain/group-targets";
import type { GrantPresentation, KeptAssignment, KeptReason } from "../../domain/request-presentation";
import type { TargetNames } from "./support";

const KEPT_REASONS: readonly string[] = ["standing-assignment", "covered-by-active-grant"] satisfies KeptReason[];

function keptFields(after: unknown): { reason: KeptReason; coveringGrantIds: string[] } | null {
  if (!after || typeof after !== "object" || Array.isArray(after)) return null;
  const { kept, coveringGrantIds } = after as Record<string, unknown>;
  if (typeof kept !== "string" || !KEPT_REASONS.includes(kept)) return null;
  const ids = Array.isArray(coveringGrantIds)
    ? coveringGrantIds.filter((id): id is string => typeof id === "string")
    : [];
  return { reason: kept as KeptReason, coveringGrantIds: ids };
}

/**
 * Per grant of a request: its target label, and for a grant that ended while keeping its assignment, why and for which
 * request (read from the audit row endGrant wrote, `after: { kept, coveringGrantIds }`).
 */
export async function presentRequestGrants(
  db: Db,
  targets: readonly {
    accountId: string;
    permissionSetArn: string;
    grant: { id: string; keptForOtherGrant: boolean } | null;
  }[],
  names: TargetNames,
  events: readonly { entityType: string; entityId: string; after: unknown }[],
): Promise<Map<string, GrantPresentation>> {
  const keptGrantIds = new Set(targets.flatMap((t) => (t.grant?.keptForOtherGrant ? [t.grant.id] : [])));
  const keptEvents = new Map<string, { reason: KeptReason; coveringGrantIds: string[] }>();
  for (const event of events) {
    if (event.entityType !== "grant" || !keptGrantIds.has(event.entityId)) continue;
    const fields = keptFields(event.after);
    if (fields) keptEvents.set(event.entityId, fields);
  }
  const coveringIds = [...new Set([...keptEvents.values()].flatMap((k) => k.coveringGrantIds))];
  const covering = coveringIds.length
    ? await db.grant.findMany({ where: { id: { in: coveringIds } }, select: { id: true, requestId: true } })
    : [];
  const requestOf = new Map(covering.map((g) => [g.id, g.requestId]));
  const result = new Map<string, GrantPresentation>();
  for (const t of targets) {
    if (!t.grant) continue;
    const fields = keptEvents.get(t.grant.id);
    const kept: KeptAssignment | null = t.grant.keptForOtherGrant
      ? {
          reason: fields?.reason ?? "covered-by-active-grant",
          coveringRequestIds: [...new Set((fields?.coveringGrantIds ?? []).flatMap((id) => requestOf.get(id) ?? []))],
        }
      : null;
    result.set(t.grant.id, {
      label: `${names.permissionSet(t.permissionSetArn).name} on ${names.account(t.accountId).name}`,
      kept,
    });
  }
  return result;
}

/** Per group grant of a request: its group's label, and for a grant that ended while keeping the membership, why (as above). */
export async function presentGroupGrants(
  db: Db,
  groupTargets: readonly { groupName: string; grant: { id: string; keptForOtherGrant: boolean } | null }[],
  events: readonly { entityType: string; entityId: string; after: unknown }[],
): Promise<Map<string, GrantPresentation>> {
  const kept = new Map<string, { reason: KeptReason; coveringGrantIds: string[] }>();
  for (const event of events) {
    if (event.entityType !== "group_grant") continue;
    const fields = keptFields(event.after);
    if (fields) kept.set(event.entityId, fields);
  }
  const coveringIds = [...new Set([...kept.values()].flatMap((k) => k.coveringGrantIds))];
  const covering = coveringIds.length
    ? await db.groupGrant.findMany({ where: { id: { in: coveringIds } }, select: { id: true, requestId: true } })
    : [];
  const requestOf = new Map(covering.map((g) => [g.id, g.requestId]));
  const result = new Map<string, GrantPresentation>();
  for (const t of groupTargets) {
    if (!t.grant) continue;
    const fields = kept.get(t.grant.id);
    result.set(t.grant.id, {
      label: groupTargetShortLabel(t.groupName),
      kept:
        t.grant.keptForOtherGrant || fields
          ? {
              kind: "membership",
              reason: fields?.reason ?? "covered-by-active-grant",
              coveringRequestIds: [
                ...new Set((fields?.coveringGrantIds ?? []).flatMap((id) => requestOf.get(id) ?? [])),
              ],
            }
          : null,
    });
  }
  return result;
}

/** For a session revocation event: the request target it cut sessions of ("PowerUser on payments-prod"), else null. */
export function revocationTargetLabels(
  targets: readonly { accountId: string; permissionSetArn: string }[],
  names: TargetNames,
): (event: { entityType: string; after: unknown }) => string | null {
  const labels = new Map(
    targets.map((t) => [
      `${t.accountId}|${t.permissionSetArn}`,
      `${names.permissionSet(t.permissionSetArn).name} on ${names.account(t.accountId).name}`,
    ]),
  );
  return ({ entityType, after }) => {
    if (entityType !== "session_revocation" || !after || typeof after !== "object" || Array.isArray(after)) return null;
    const { accountId, permissionSetArn } = after as Record<string, unknown>;
    return labels.get(`${String(accountId)}|${String(permissionSetArn)}`) ?? null;
  };
}

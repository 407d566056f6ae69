import type { Db } from "../../db";
import { AppError } from "../../domain/errors";
import { PolicyDocument } from "../../domain/policy-schema";

export interface ActivePolicy {
  id: string;
  /** Shown to people and recorded with each request (through its policy id). */
  version: number;
  document: PolicyDocument;
}

// A stored policy row's document never changes, so its parsed form is cached by id; which row is active is asked each time.
const parsedById = new Map<string, PolicyDocument>();
const MAX_CACHED = 8;

/** A stored policy row's document, read and parsed once per row; null when the row is missing or its document invalid. */
export async function storedPolicyDocument(db: Db, policyId: string): Promise<PolicyDocument | null> {
  const cached = parsedById.get(policyId);
  if (cached) return cached;
  const stored = await db.policy.findUnique({ where: { id: policyId }, select: { document: true } });
  // Stored documents were validated on load; parsing again guards against a hand-edited row.
  const parsed = stored ? PolicyDocument.safeParse(stored.document) : null;
  if (!parsed?.success) return null;
  if (parsedById.size >= MAX_CACHED) parsedById.delete(parsedById.keys().next().value!);
  parsedById.set(policyId, parsed.data);
  return parsed.data;
}

/** The active policy row and its parsed document (null if invalid); null when no policy is loaded. */
export async function findActivePolicy(
  db: Db,
): Promise<{ id: string; version: number; document: PolicyDocument | null } | null> {
  const row = await db.policy.findFirst({
    where: { active: true },
    orderBy: { loadedAt: "desc" },
    select: { id: true, version: true },
  });
  return row ? { ...row, document: await storedPolicyDocument(db, row.id) } : null;
}

/** The policy every decision is made against; none loaded means nothing is allowed. */
export async function getActivePolicy(db: Db): Promise<ActivePolicy> {
  const active = await findActivePolicy(db);
  if (!active) throw new AppError("POLICY_DENIED", "No access policy is loaded, so no access can be requested.");
  if (!active.document) throw new AppError("INTERNAL", "The stored access policy is invalid.");
  return { id: active.id, version: active.version, document: active.document };
}

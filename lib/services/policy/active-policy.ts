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
const parsedById = new Map<string, ActivePolicy>();
const MAX_CACHED = 8;

/** The policy every decision is made against; none loaded means nothing is allowed. */
export async function getActivePolicy(db: Db): Promise<ActivePolicy> {
  const row = await db.policy.findFirst({
    where: { active: true },
    orderBy: { loadedAt: "desc" },
    select: { id: true, version: true },
  });
  if (!row) throw new AppError("POLICY_DENIED", "No access policy is loaded, so no access can be requested.");
  const cached = parsedById.get(row.id);
  if (cached) return cached;
  const stored = await db.policy.findUnique({ where: { id: row.id }, select: { document: true } });
  // Stored documents were validated on load; parsing again guards against a hand-edited row.
  const parsed = stored ? PolicyDocument.safeParse(stored.document) : null;
  if (!parsed?.success) throw new AppError("INTERNAL", "The stored access policy is invalid.");
  const policy = { id: row.id, version: row.version, document: parsed.data };
  if (parsedById.size >= MAX_CACHED) parsedById.delete(parsedById.keys().next().value!);
  parsedById.set(row.id, policy);
  return policy;
}

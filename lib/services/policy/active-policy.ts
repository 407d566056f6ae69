import type { Db } from "../../db";
import { AppError } from "../../domain/errors";
import { PolicyDocument } from "../../domain/policy-schema";

export interface ActivePolicy {
  id: string;
  document: PolicyDocument;
}

/** The policy every decision is made against; none loaded means nothing is allowed. */
export async function getActivePolicy(db: Db): Promise<ActivePolicy> {
  const row = await db.policy.findFirst({ where: { active: true }, orderBy: { loadedAt: "desc" } });
  if (!row) throw new AppError("POLICY_DENIED", "No access policy is loaded, so no access can be requested.");
  // Stored documents were validated on load; parsing again guards against a hand-edited row.
  const parsed = PolicyDocument.safeParse(row.document);
  if (!parsed.success) throw new AppError("INTERNAL", "The stored access policy is invalid.");
  return { id: row.id, document: parsed.data };
}

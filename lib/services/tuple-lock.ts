import { createHash } from "node:crypto";
import type { DbTransaction } from "../db";

export interface AssignmentTupleKey {
  accountId: string;
  permissionSetArn: string;
  principalId: string;
}

/** Serializes every create/remove decision for one assignment tuple, across all workers. */
export async function lockAssignmentTuple(tx: DbTransaction, tuple: AssignmentTupleKey) {
  const digest = createHash("sha256")
    .update(`${tuple.accountId}|${tuple.permissionSetArn}|${tuple.principalId}`)
    .digest();
  const key = digest.readBigInt64BE(0);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key})`;
}

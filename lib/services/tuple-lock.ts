import { createHash } from "node:crypto";
import type { DbTransaction } from "../db";

export interface AssignmentTupleKey {
  accountId: string;
  permissionSetArn: string;
  principalId: string;
}

export interface GroupMembershipPairKey {
  groupId: string;
  memberId: string;
}

async function lockTransactionKey(tx: DbTransaction, text: string) {
  const key = createHash("sha256").update(text).digest().readBigInt64BE(0);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key})`;
}

/** Serializes every create/remove decision for one assignment tuple, across all workers. */
export async function lockAssignmentTuple(tx: DbTransaction, tuple: AssignmentTupleKey) {
  await lockTransactionKey(tx, `${tuple.accountId}|${tuple.permissionSetArn}|${tuple.principalId}`);
}

/** Serializes every create/remove decision for one (group, user) membership, across all workers. */
export async function lockGroupMembershipPair(tx: DbTransaction, pair: GroupMembershipPairKey) {
  await lockTransactionKey(tx, `group-membership|${pair.groupId}|${pair.memberId}`);
}

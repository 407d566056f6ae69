import type { GrantStatus } from "./request-lifecycle";

/** A grant of the same (account, permission set, principal) tuple as the one being decided on. */
export interface TupleGrant {
  id: string;
  status: GrantStatus;
  startsAt: Date;
  endsAt: Date;
}

export type GrantStartDecision = "create" | "wait-for-removal";

export interface GrantStartInput {
  /** Another grant of the tuple is REMOVING: its delete could land after our create and take the access away. */
  tupleHasRemovalInFlight: boolean;
}

/**
 * Creating is idempotent and re-verifies the assignment, so a starting grant always creates (even when another grant or a
 * standing assignment already holds the tuple), except while a removal of the same tuple is in flight.
 */
export function decideOnGrantStart(input: GrantStartInput): GrantStartDecision {
  return input.tupleHasRemovalInFlight ? "wait-for-removal" : "create";
}

export type GrantEndDecision =
  | { action: "keep"; reason: "standing-assignment" | "covered-by-active-grant"; coveringGrantIds: string[] }
  | { action: "delete"; reason: "no-other-holder" };

export interface GrantEndInput {
  endingGrantId: string;
  /** The assignment existed before the portal first touched the tuple: it is never removed. */
  tupleIsStanding: boolean;
  otherGrants: readonly TupleGrant[];
  /** Not needed by the rule: an ACTIVE grant covers whatever its window says, because its own removal job will still run. */
  now: Date;
}

/**
 * Keeping hands the duty to remove to another grant, so only an ACTIVE grant may take it: it always ends through its own
 * removal. A PROVISIONING or SCHEDULED grant may still fail or be cancelled without any removal, which would strand the
 * assignment; for those we delete, and their activation waits for our removal and creates the assignment again.
 */
export function decideOnGrantEnd(input: GrantEndInput): GrantEndDecision {
  if (input.tupleIsStanding) return { action: "keep", reason: "standing-assignment", coveringGrantIds: [] };
  const covering = input.otherGrants
    .filter((grant) => grant.id !== input.endingGrantId && grant.status === "ACTIVE")
    .map((grant) => grant.id);
  if (covering.length > 0) return { action: "keep", reason: "covered-by-active-grant", coveringGrantIds: covering };
  return { action: "delete", reason: "no-other-holder" };
}

/** Convenience for callers and tests: true when ending this grant must delete the AWS assignment. */
export function shouldDeleteOnGrantEnd(input: GrantEndInput): boolean {
  return decideOnGrantEnd(input).action === "delete";
}

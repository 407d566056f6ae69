import { toAwsPortError } from "../../aws/errors";
import { waitForAssignmentStatus } from "../../aws/poll";
import type { OperationStatusBatch } from "./batched-status";
import type { FirstPollDelay } from "./first-poll-delay";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import type { JobQueue } from "../../jobs/job-queue";
import type { SessionRevocationDeps } from "../sessions/revocation-support";

/** What the grant verbs need beyond the service context: AWS, the queue, and how patiently to poll. */
export interface GrantDeps {
  port: IdentityCenterPort;
  queue: JobQueue;
  poll: { initialDelayMs: number; maxDelayMs: number; timeoutMs: number };
  /** Shared ListAccountAssignments for removal checks (see coalesced-listing.ts); defaults to a direct call. */
  listForVerification?: IdentityCenterPort["listAssignments"];
  /** Shared ListAccountAssignments for a tuple's first use (was it standing?); defaults to a direct call. */
  listForDiscovery?: IdentityCenterPort["listAssignments"];
  /** Waits for deletions with shared ListAccountAssignmentDeletionStatus sweeps (batched-status.ts); else each is polled. */
  statusBatch?: OperationStatusBatch;
  /** Wait before the first status lookup; learned from how long operations take. */
  firstPoll?: FirstPollDelay;
  /** Bounds CreateAccountAssignment calls in flight across every worker. */
  createSlots?: { acquire(): Promise<() => Promise<void> | void> };
  /** One worker at a time per grant, across processes (lib/worker/pg-session-locks.ts); defaults to this process only. */
  claims?: GrantClaims;
  /** How ended grants' live sessions are cut (locks, retries); the port and poll default to the grant's. */
  sessions?: Partial<SessionRevocationDeps>;
}

/** Exclusive hold on one grant while a worker drives it; a dead holder's claim frees itself. */
export interface GrantClaim {
  /** False once the claim may have passed to another worker: stop before calling AWS. */
  readonly held: boolean;
  release(): Promise<void> | void;
}

export interface GrantClaims {
  /** Null when another holder has the grant; never waits. */
  tryClaim(grantId: string): Promise<GrantClaim | null>;
}

const claimedInThisProcess = new Set<string>();

/** Claims that only keep the callers of this process apart; the worker passes cross-process claims. */
export const processGrantClaims: GrantClaims = {
  async tryClaim(grantId) {
    if (claimedInThisProcess.has(grantId)) return null;
    claimedInThisProcess.add(grantId);
    let released = false;
    return {
      get held() {
        return !released;
      },
      release() {
        if (released) return;
        released = true;
        claimedInThisProcess.delete(grantId);
      },
    };
  },
};

/** Runs `work` as the only holder of the grant; `busy` decides what a caller gets when another worker holds it. */
export async function withGrantClaim<T>(
  deps: GrantDeps,
  grantId: string,
  busy: () => T,
  work: (claim: GrantClaim) => Promise<T>,
): Promise<T> {
  const claim = await (deps.claims ?? processGrantClaims).tryClaim(grantId);
  if (!claim) return busy();
  try {
    return await work(claim);
  } finally {
    await claim.release();
  }
}

/** Called right before an AWS mutation: a worker that may have lost its claim must not issue one. */
export function assertClaimHeld(claim: GrantClaim) {
  if (!claim.held) throw new RetryLater("the claim on this grant was lost (database session dropped)");
}

/** Thrown by a job handler to have pg-boss retry later; not a failure of the grant. */
export class RetryLater extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RetryLater";
  }
}

/** Waits for an assignment operation to finish, first sleeping about as long as AWS usually needs. */
export async function awaitOperation(deps: GrantDeps, kind: "creation" | "deletion", awsRequestId: string) {
  const batch = deps.statusBatch;
  // Creates stay on their own learned poll: each holds an in-flight slot until seen finished, so latency beats calls.
  if (batch && kind === "deletion")
    return retryableAws(`${kind} status of ${awsRequestId}`, () => batch.wait(awsRequestId));
  if (deps.firstPoll) await new Promise((resolve) => setTimeout(resolve, deps.firstPoll!.ms));
  let lookups = 0;
  const port = deps.port;
  const counted = {
    creationStatus: (id: string) => (lookups++, port.creationStatus(id)),
    deletionStatus: (id: string) => (lookups++, port.deletionStatus(id)),
  };
  const outcome = await retryableAws(`${kind} status of ${awsRequestId}`, () =>
    waitForAssignmentStatus(counted, kind, awsRequestId, deps.poll),
  );
  deps.firstPoll?.observe(lookups === 1);
  return outcome;
}

/** Runs an AWS call; throttling, conflicts and outages hand the job back for a later retry instead of failing the grant. */
export async function retryableAws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const portError = toAwsPortError(error);
    if (portError.retryable) throw new RetryLater(`${what}: ${portError.code}`);
    throw portError;
  }
}

/** The Identity Store user for a portal user's email (as user name first, then as email); null when none matches. */
export async function resolveIdentityStoreUser(
  deps: Pick<GrantDeps, "port">,
  email: string | null,
): Promise<string | null> {
  if (!email) return null;
  return retryableAws(
    "GetUserId",
    async () => (await deps.port.findUserIdByUserName(email)) ?? (await deps.port.findUserIdByEmail(email)),
  );
}

export const noIdentityStoreUserReason = (email: string | null) =>
  `No Identity Store user matches ${email ?? "this account"}. Ask an administrator to provision the user in IAM Identity Center.`;

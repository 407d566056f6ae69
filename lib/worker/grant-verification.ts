import type { IdentityCenterPort } from "../aws/identity-center-port";
import { createOperationStatusBatch } from "../services/grants/batched-status";
import { coalesceAssignmentListing, reuseRecentListing } from "../services/grants/coalesced-listing";
import { createFirstPollDelay } from "../services/grants/first-poll-delay";
import type { GrantDeps } from "../services/grants/grant-support";
import type { QueueConcurrency } from "./handlers";

/**
 * Removals in flight per worker process. A removal spends seconds waiting for the shared status sweep and its pair's
 * listing, so at ~20 deletes/s a burst needs a few hundred in flight for each listing to answer many removals; ten
 * polling workers fetch 25 due jobs at a time.
 */
export const REMOVAL_CONCURRENCY: QueueConcurrency = { workers: 10, batch: 25 };

/** How workers wait for and verify assignment operations: shared deletion sweeps and few listings per pair in a burst. */
export function grantVerificationDeps(
  port: IdentityCenterPort,
  poll: GrantDeps["poll"],
): Pick<GrantDeps, "statusBatch" | "listForVerification" | "listForDiscovery" | "firstPoll"> {
  return {
    // One IN_PROGRESS listing (and a FAILED one when some finished) every 2 s, however many deletes are in flight.
    statusBatch: createOperationStatusBatch(port, { intervalMs: 2_000, poll }),
    // A single removal is checked a second after its delete; a burst on one pair shares a listing every 20 s.
    listForVerification: coalesceAssignmentListing(port, 1_000, 20_000),
    // Before a create: grants of one pair starting together share a listing up to 10 s old.
    listForDiscovery: reuseRecentListing(coalesceAssignmentListing(port, 100, 100), 10_000),
    // Creates are polled on their own, first after about as long as AWS usually needs.
    firstPoll: createFirstPollDelay({ initialMs: 1000, minMs: 100, maxMs: 10_000 }),
  };
}

import type { PgBoss } from "pg-boss";
import type { IdentityCenterPort } from "../../lib/aws/identity-center-port";
import type { PrismaClient } from "../../lib/db";
import type { JobQueue } from "../../lib/jobs/job-queue";
import { createLogger } from "../../lib/log";
import { coalesceAssignmentListing } from "../../lib/services/grants/coalesced-listing";
import { createFirstPollDelay } from "../../lib/services/grants/first-poll-delay";
import { registerHandlers } from "../../lib/worker/handlers";
import { createPgSemaphore } from "../../lib/worker/pg-semaphore";
import { createGrantClaims, createPermissionSetLocks, type SessionLocks } from "../../lib/worker/pg-session-locks";

/** The worker's handlers in the benchmark's own process, wired as lib/worker/main.ts wires them (silent logger). */
export async function registerInProcessWorker(input: {
  db: PrismaClient;
  boss: PgBoss;
  queue: JobQueue;
  port: IdentityCenterPort;
  locks: SessionLocks;
  maxInflightCreates: number;
}) {
  const { db, boss, queue, port, locks, maxInflightCreates } = input;
  await registerHandlers(
    {
      db,
      boss,
      queue,
      port,
      logger: createLogger({ level: "silent", secrets: [] }),
      grantDeps: {
        port,
        queue,
        poll: { initialDelayMs: 250, maxDelayMs: 2_000, timeoutMs: 5 * 60_000 },
        createSlots: createPgSemaphore(locks, { limit: maxInflightCreates }),
        claims: createGrantClaims(locks),
        listForVerification: coalesceAssignmentListing(port),
        firstPoll: createFirstPollDelay({ initialMs: 1000, minMs: 100, maxMs: 10_000 }),
        // One editor per permission set across workers, as in production.
        sessions: { locks: createPermissionSetLocks(locks) },
      },
    },
    { grants: Math.max(maxInflightCreates * 2, 8), removals: 50 },
  );
}

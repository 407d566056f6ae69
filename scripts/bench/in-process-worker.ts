import type { PgBoss } from "pg-boss";
import type { IdentityCenterPort } from "../../lib/aws/identity-center-port";
import type { PrismaClient } from "../../lib/db";
import type { JobQueue } from "../../lib/jobs/job-queue";
import { createLogger } from "../../lib/log";
import { grantVerificationDeps, REMOVAL_CONCURRENCY } from "../../lib/worker/grant-verification";
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
  const poll = { initialDelayMs: 250, maxDelayMs: 2_000, timeoutMs: 5 * 60_000 };
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
        poll,
        ...grantVerificationDeps(port, poll),
        createSlots: createPgSemaphore(locks, { limit: maxInflightCreates }),
        claims: createGrantClaims(locks),
        // One editor per permission set across workers, as in production.
        sessions: { locks: createPermissionSetLocks(locks) },
      },
    },
    { grants: Math.max(maxInflightCreates * 2, 8), removals: REMOVAL_CONCURRENCY },
  );
}

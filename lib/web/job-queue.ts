import "server-only";
import type { PgBoss } from "pg-boss";
import { requireDatabaseUrl } from "../env";
import { createBossJobQueue, type JobQueue } from "../jobs/job-queue";
import { startBoss } from "../worker/boss";

const holder = globalThis as unknown as { portalBoss?: Promise<PgBoss> };

/** The web app only enqueues; one producer connection per process. */
export async function getWebJobQueue(): Promise<JobQueue> {
  holder.portalBoss ??= startBoss({ databaseUrl: requireDatabaseUrl(), role: "producer" });
  return createBossJobQueue(await holder.portalBoss);
}

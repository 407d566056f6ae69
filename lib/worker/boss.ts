import { PgBoss } from "pg-boss";
import { QUEUES } from "../jobs/queues";
import { errorFields, log } from "../log";

export interface BossOptions {
  databaseUrl: string;
  /** The web app only sends jobs; it neither supervises nor runs schedules. */
  role: "worker" | "producer";
}

export async function startBoss({ databaseUrl, role }: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: "pgboss",
    max: role === "worker" ? 10 : 4,
    supervise: role === "worker",
    schedule: role === "worker",
    // Cron checks every second so sweeps run close to their schedule.
    cronMonitorIntervalSeconds: 1,
    cronWorkerIntervalSeconds: 1,
    // Workers wake the moment a job is queued (an approval, a release) instead of at their next poll.
    useListenNotify: role === "worker",
  });
  boss.on("error", (error) => log.error({ err: errorFields(error), role }, "job queue error"));
  await boss.start();
  if (role === "worker")
    for (const name of Object.values(QUEUES)) {
      await boss.createQueue(name, { notify: true });
      await boss.updateQueue(name, { notify: true });
    }
  return boss;
}

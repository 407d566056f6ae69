import { PgBoss } from "pg-boss";
import { QUEUES } from "../jobs/queues";

export interface BossOptions {
  databaseUrl: string;
  /** Fast polling keeps delayed jobs within about half a second of their due time. */
  pollingIntervalSeconds?: number;
}

export async function startBoss({ databaseUrl }: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: "pgboss" });
  boss.on("error", (error) => console.error(`[worker] queue error: ${error.message}`));
  await boss.start();
  for (const name of Object.values(QUEUES)) await boss.createQueue(name);
  return boss;
}

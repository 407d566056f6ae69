// The background worker: a separate process that runs queued jobs against the database and AWS.
import { getEnv, requireDatabaseUrl } from "../env";
import { startBoss } from "./boss";

async function main() {
  const env = getEnv();
  const boss = await startBoss({ databaseUrl: requireDatabaseUrl(env) });
  console.log(`WORKER READY (${env.usingSimulator ? "simulated AWS" : `AWS ${env.AWS_REGION}`})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${signal}: finishing in-flight jobs`);
    await boss.stop({ graceful: true, timeout: 20_000 });
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`[worker] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

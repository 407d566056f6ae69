// `tsx scripts/seed-history.ts --events 1000000 [--days 365] [--seed 42]`: a realistic access history with a valid audit chain in DATABASE_URL.
import { parseArgs } from "node:util";
import { seedHistory } from "./bench/history-seed";
import { requireDatabaseUrl } from "../lib/env";

async function main() {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "1000000" },
      days: { type: "string", default: "365" },
      seed: { type: "string", default: "42" },
    },
  });
  const events = Number(values.events);
  const days = Number(values.days);
  const seed = Number(values.seed);
  if (!Number.isInteger(events) || events < 1 || !Number.isInteger(days) || days < 1 || !Number.isInteger(seed))
    throw new Error("Usage: tsx scripts/seed-history.ts --events <n> [--days <n>] [--seed <n>]");
  console.log(`Seeding about ${events.toLocaleString("en-US")} audit events over ${days} days...`);
  const result = await seedHistory({
    databaseUrl: requireDatabaseUrl(),
    events,
    days,
    seed,
    log: (line) => console.log(line),
  });
  console.log(
    `Seeded ${result.requests.toLocaleString("en-US")} requests, ${result.grants.toLocaleString("en-US")} grants, ${result.decisions.toLocaleString("en-US")} decisions and ${result.events.toLocaleString("en-US")} audit events ` +
      `(${result.users} users, ${result.accounts} accounts, ${result.permissionSets} permission sets) in ${result.seconds.toFixed(1)} s.`,
  );
  console.log(`Chain head: seq ${result.lastSeq} hash ${result.lastHash}. Check it with: npm run audit:verify`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

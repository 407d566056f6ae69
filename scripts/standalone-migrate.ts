// The image's `migrate` command: applies pending migrations to DATABASE_URL; the container has no embedded Postgres to diff with.
import { applyMigrations } from "../lib/db/migrations";
import { requireDatabaseUrl } from "../lib/env";

applyMigrations(requireDatabaseUrl()).then(
  (applied) =>
    console.log(
      applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Database is up to date.",
    ),
  (error: unknown) => {
    console.error(`[migrate] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

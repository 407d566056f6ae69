// npm run db:migrate | db:migrate:new <name> | db:migrate:check — offline migrations through the wasm schema engine.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getEnv } from "../../lib/env";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations, createMigration, pendingSchemaSql, SCHEMA_PATH } from "../../lib/db/migrations";

async function withDatabase<T>(useConfigured: boolean, run: (url: string) => Promise<T>): Promise<T> {
  const configured = getEnv().DATABASE_URL;
  if (useConfigured && configured) return run(configured);
  // Diffs need a reachable Postgres even between two schema files; a throwaway one keeps real data out of it.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-migrate-"));
  fs.chmodSync(dataDir, 0o755);
  const db = await startEmbeddedDatabase({
    dataDir: path.join(dataDir, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  try {
    return await run(db.url);
  } finally {
    await db.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const [command, name] = process.argv.slice(2);
  switch (command) {
    case "apply": {
      if (!getEnv().DATABASE_URL)
        throw new Error(
          "DATABASE_URL is not set: point it at the database to migrate (the local stack migrates its embedded database itself).",
        );
      const applied = await withDatabase(true, (url) => applyMigrations(url));
      console.log(
        applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Database is up to date.",
      );
      return;
    }
    case "new": {
      if (!name) throw new Error("Usage: npm run db:migrate:new <name>");
      const triggersFile = process.argv[4];
      const extraSql = triggersFile ? fs.readFileSync(triggersFile, "utf8") : "";
      const folder = await withDatabase(false, (url) => createMigration(url, name, extraSql));
      console.log(
        folder
          ? `Wrote prisma/migrations/${folder}/migration.sql`
          : "schema.prisma has no changes since the last migration.",
      );
      return;
    }
    case "check": {
      const sql = await withDatabase(false, (url) => pendingSchemaSql(url));
      if (sql) {
        console.error(
          `${path.relative(process.cwd(), SCHEMA_PATH)} has changes without a migration. Run: npm run db:migrate:new <name>\n\n${sql}`,
        );
        process.exitCode = 1;
        return;
      }
      console.log("Migrations match schema.prisma.");
      return;
    }
    default:
      throw new Error("Usage: tsx scripts/db/migrate.ts apply | new <name> [extra.sql] | check");
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

import fs from "node:fs";
import path from "node:path";

// Where migrations live; every entry point (npm scripts, Next, the worker) runs from the project root.
export const PROJECT_ROOT = process.cwd();
export const MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ PROJECT_ROOT, "prisma", "migrations");
export const SCHEMA_PATH = path.join(PROJECT_ROOT, "prisma/schema.prisma");
/** The schema as of the newest migration; new migrations are diffed from it, never from a live database. */
export const SNAPSHOT_PATH = path.join(MIGRATIONS_DIR, "schema.snapshot.prisma");

export function listMigrationNames(dir = MIGRATIONS_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
}

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { listMigrationNames, MIGRATIONS_DIR, SCHEMA_PATH, SNAPSHOT_PATH } from "./migration-files";

export { listMigrationNames, MIGRATIONS_DIR, SCHEMA_PATH, SNAPSHOT_PATH };

// Prisma's native schema engine cannot be downloaded here, so migrations run through its wasm build.

const LOCKFILE = "migration_lock.toml";

interface WasmSchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}

let wasmLoaded: Promise<{ SchemaEngine: { new: (...args: unknown[]) => Promise<WasmSchemaEngine> } }> | undefined;

function loadWasmModule() {
  wasmLoaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bg = await import(bgPath);
    const bytes = fs.readFileSync(path.join(path.dirname(bgPath), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return bg;
  })();
  return wasmLoaded;
}

// adapter-pg splits scripts on every ";", which breaks function bodies; Postgres runs a whole script in one simple query.
class WholeScriptPrismaPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const internals = adapter as unknown as {
      client: { query(sql: string): Promise<unknown> };
      onError(error: unknown): never;
    };
    adapter.executeScript = async (script: string) => {
      try {
        await internals.client.query(script);
      } catch (error) {
        internals.onError(error);
      }
    };
    return adapter;
  }
}

async function withEngine<T>(
  databaseUrl: string,
  schemaText: string,
  run: (engine: WasmSchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadWasmModule();
  const adapter = bindMigrationAwareSqlAdapterFactory(new WholeScriptPrismaPg({ connectionString: databaseUrl }));
  const engine = await SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schemaText]] }, () => {}, adapter);
  try {
    return await run(engine);
  } finally {
    engine.free();
  }
}

function migrationsList(dir = MIGRATIONS_DIR) {
  const lockPath = path.join(dir, LOCKFILE);
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: listMigrationNames(dir).map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Applies pending migrations like `prisma migrate deploy`; returns the names applied now. */
export async function applyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  const result = await withEngine(databaseUrl, schema, (engine) =>
    engine.applyMigrations({ migrationsList: migrationsList(dir), filters: NO_FILTERS }),
  );
  return result.appliedMigrationNames;
}

/** SQL that takes the last migrated schema to the current schema.prisma; empty when they agree. */
export async function pendingSchemaSql(databaseUrl: string): Promise<string> {
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  const from = fs.existsSync(SNAPSHOT_PATH)
    ? { tag: "schemaDatamodel", files: [{ path: SNAPSHOT_PATH, content: fs.readFileSync(SNAPSHOT_PATH, "utf8") }] }
    : { tag: "empty" };
  const result = await withEngine(databaseUrl, schema, (engine) =>
    engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    }),
  );
  const sql = (result.stdout ?? "").trim();
  return sql === "-- This is an empty migration." ? "" : sql;
}

export function migrationFolderName(name: string, now = new Date()): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug)
    throw new Error(
      "A migration needs a name made of letters or digits, e.g. `npm run db:migrate:new add_grant_notes`.",
    );
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${stamp}_${slug}`;
}

/** Writes a new migration folder from the schema diff and moves the snapshot forward. */
export async function createMigration(databaseUrl: string, name: string, extraSql = ""): Promise<string | null> {
  const sql = await pendingSchemaSql(databaseUrl);
  if (!sql && !extraSql) return null;
  const folder = migrationFolderName(name);
  fs.mkdirSync(path.join(MIGRATIONS_DIR, folder), { recursive: true });
  fs.writeFileSync(
    path.join(MIGRATIONS_DIR, folder, "migration.sql"),
    `${[sql, extraSql].filter(Boolean).join("\n\n")}\n`,
  );
  const lockPath = path.join(MIGRATIONS_DIR, LOCKFILE);
  if (!fs.existsSync(lockPath))
    fs.writeFileSync(lockPath, '# Please do not edit this file manually\nprovider = "postgresql"\n');
  fs.copyFileSync(SCHEMA_PATH, SNAPSHOT_PATH);
  return folder;
}

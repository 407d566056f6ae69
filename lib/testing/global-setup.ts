import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { findFreePort, startEmbeddedDatabase } from "../db/embedded-postgres";
import { applyMigrations } from "../db/migrations";
import { installStatusGuard } from "./status-guard";

// One throwaway PostgreSQL for the whole vitest run; each test file clones a migrated template database.
export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "portal-vitest-"));
  fs.chmodSync(root, 0o755);
  const db = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    database: "portal_template",
    ephemeral: true,
  });
  await applyMigrations(db.url);
  // Every test database is cloned from the template, so every service test runs under the transition-table guard.
  const template = new pg.Client({ connectionString: db.url });
  await template.connect();
  await installStatusGuard(template);
  await template.end();
  // Close every connection to the template so CREATE DATABASE ... TEMPLATE can copy it.
  const admin = new pg.Client({ connectionString: db.url.replace(/\/portal_template$/, "/postgres") });
  await admin.connect();
  await admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'portal_template' AND pid <> pg_backend_pid()",
  );
  await admin.end();
  project.provide("templateDatabaseUrl", db.url);
  return async () => {
    await db.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabaseUrl: string;
  }
}

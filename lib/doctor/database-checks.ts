import pg from "pg";
import { createPrismaClient } from "../db";
import { listMigrationNames } from "../db/migration-files";
import { checkReadiness } from "../services/queries/readiness";
import { describeMs, fail, pass, skip, warn, type CheckResult } from "./check-result";

const CONNECT_TIMEOUT_MS = 5_000;
const SKEW_WARN_MS = 1_000;
// Grant ends and approval windows are stamped by both clocks; beyond this, expiries drift visibly.
const SKEW_FAIL_MS = 30_000;

/** host:port/database, never the user or password. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
  } catch {
    return "the configured server";
  }
}

function connectionFix(error: NodeJS.ErrnoException & { code?: string }): string {
  if (error.code === "28P01" || error.code === "28000")
    return "check the user and password in DATABASE_URL and pg_hba.conf on the server";
  if (error.code === "3D000") return "create the database named in DATABASE_URL, or correct its name";
  return "check the host and port in DATABASE_URL, that PostgreSQL runs and that this host may connect to it (firewall, security group)";
}

export async function checkDatabase(
  databaseUrl: string | undefined,
  now: () => number = Date.now,
): Promise<CheckResult[]> {
  if (!databaseUrl)
    return [
      fail(
        "database reachable",
        "DATABASE_URL is not set",
        "set DATABASE_URL=postgresql://user:password@host:5432/portal (npm run dev sets one for the embedded database)",
      ),
      skip("database migrations", "skipped: no database"),
      skip("database clock", "skipped: no database"),
    ];
  const where = describeDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => undefined);
  const results: CheckResult[] = [];
  let migrated = false;
  try {
    await client.connect();
    const sentAt = now();
    const { rows } = await client.query<{ at: Date; version: string; migrated: boolean }>(
      "SELECT now() AS at, current_setting('server_version') AS version, to_regclass('_prisma_migrations') IS NOT NULL AS migrated",
    );
    const receivedAt = now();
    const row = rows[0]!;
    migrated = row.migrated;
    results.push(pass("database reachable", `PostgreSQL ${row.version} at ${where}`));
    // The server's now() was taken somewhere between send and receive; the midpoint halves the network error.
    const skewMs = row.at.getTime() - (sentAt + receivedAt) / 2;
    const skew = `this host and the database differ by ${describeMs(Math.abs(skewMs))} (round trip ${describeMs(receivedAt - sentAt)})`;
    const clockFix = "synchronise both clocks with NTP (chrony / systemd-timesyncd; managed databases already are)";
    results.push(
      Math.abs(skewMs) > SKEW_FAIL_MS
        ? fail("database clock", skew, clockFix)
        : Math.abs(skewMs) > SKEW_WARN_MS
          ? warn("database clock", skew, clockFix)
          : pass("database clock", skew),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      fail(
        "database reachable",
        `cannot connect to ${where}: ${reason}`,
        connectionFix(error as NodeJS.ErrnoException),
      ),
      skip("database migrations", "skipped: database unreachable"),
      skip("database clock", "skipped: database unreachable"),
    ];
  } finally {
    await client.end().catch(() => undefined);
  }
  results.splice(1, 0, migrated ? await checkMigrations(databaseUrl) : neverMigrated());
  return results;
}

const MIGRATE_FIX = "run npm run db:migrate against this database (a release step before starting the new version)";

function neverMigrated(): CheckResult {
  return fail(
    "database migrations",
    `none of the ${listMigrationNames().length} migrations has run here (no _prisma_migrations table)`,
    MIGRATE_FIX,
  );
}

async function checkMigrations(databaseUrl: string): Promise<CheckResult> {
  const prisma = createPrismaClient(databaseUrl);
  try {
    const readiness = await checkReadiness(prisma);
    const { expected, pending } = readiness.migrations;
    if (readiness.database === "unreachable")
      return fail(
        "database migrations",
        "could not read _prisma_migrations",
        "grant the portal's database user SELECT on _prisma_migrations (it owns the schema in a normal setup)",
      );
    if (pending.length > 0)
      return fail(
        "database migrations",
        `${pending.length} of ${expected} not applied: ${pending.join(", ")}`,
        MIGRATE_FIX,
      );
    return pass("database migrations", `all ${expected} applied`);
  } finally {
    await prisma.$disconnect();
  }
}

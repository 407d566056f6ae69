import type pg from "pg";
import type { DbTransaction, PrismaClient } from "../db";
import { GRANT_TRANSITIONS, REQUEST_TRANSITIONS } from "../domain/request-lifecycle";

/** Session setting a test fixture sets (SET LOCAL, inside its own transaction) to write a status the table does not allow. */
export const STATUS_FIXTURE_SETTING = "portal.status_fixture";

/** Every from>to pair the domain's tables allow, generated so the database and the domain never disagree. */
export function allowedStatusPairs() {
  const request = Object.values(REQUEST_TRANSITIONS).flatMap((rule) =>
    Object.entries(rule.edges).map(([from, to]) => `${from}>${to}`),
  );
  const grant = Object.values(GRANT_TRANSITIONS).flatMap((row) =>
    Object.entries(row).map(([from, to]) => `${from}>${to}`),
  );
  return { request: [...new Set(request)].sort(), grant: [...new Set(grant)].sort() };
}

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * SQL for triggers that reject an UPDATE moving "AccessRequest" or "Grant" to a status the transition table does not allow
 * from the status the row had. Service writes are compare-and-sets that bump `version`; a status poke that leaves
 * `version` alone is a test fixture arranging a state, and anything else opts out with SET LOCAL portal.status_fixture.
 */
export function statusGuardSql(): string[] {
  const pairs = allowedStatusPairs();
  const trigger = (table: string, allowed: string[]) => [
    `DROP TRIGGER IF EXISTS status_guard ON "${table}"`,
    `CREATE TRIGGER status_guard BEFORE UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION portal_status_guard(${allowed.map(literal).join(", ")})`,
  ];
  return [
    `CREATE OR REPLACE FUNCTION portal_status_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND NEW.version IS DISTINCT FROM OLD.version
     AND coalesce(current_setting('${STATUS_FIXTURE_SETTING}', true), '') <> 'on'
     AND NOT ((OLD.status::text || '>' || NEW.status::text) = ANY (TG_ARGV)) THEN
    RAISE EXCEPTION 'status guard: % % -> % is not in the transition table (lib/domain/request-lifecycle.ts)',
      TG_TABLE_NAME, OLD.status, NEW.status USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END
$guard$`,
    ...trigger("AccessRequest", pairs.request),
    ...trigger("Grant", pairs.grant),
  ];
}

/** Installs the guard on a database (the vitest template, so every test database has it). */
export async function installStatusGuard(client: pg.Client) {
  for (const statement of statusGuardSql()) await client.query(statement);
}

/** Runs a fixture's writes with the guard off for that transaction only: the explicit way to arrange any status. */
export function withStatusFixture<T>(prisma: PrismaClient, arrange: (tx: DbTransaction) => Promise<T>) {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT set_config(${STATUS_FIXTURE_SETTING}, 'on', true)`;
    return arrange(tx);
  });
}

import { getPrisma, type PrismaClient } from "../../db";
import { listMigrationNames } from "../../db/migration-files";

export interface Readiness {
  ready: boolean;
  database: "ok" | "unreachable";
  migrations: { expected: number; applied: number; pending: string[] };
}

/** Reports readiness without leaking connection details: only what an operator needs to act. */
export async function checkReadiness(db: PrismaClient = getPrisma()): Promise<Readiness> {
  const expected = listMigrationNames();
  try {
    const rows = await db.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((r) => r.migration_name));
    const pending = expected.filter((name) => !applied.has(name));
    return {
      ready: pending.length === 0,
      database: "ok",
      migrations: { expected: expected.length, applied: applied.size, pending },
    };
  } catch {
    return {
      ready: false,
      database: "unreachable",
      migrations: { expected: expected.length, applied: 0, pending: expected },
    };
  }
}

import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { requireDatabaseUrl } from "./env";

export type { PrismaClient } from "./generated/prisma/client";
export type DbTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
export type Db = PrismaClient | DbTransaction;

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }),
    // A burst (a queue of Slack clicks, a bulk decision, 100 removals of one set) waits for a pooled connection and for
    // the audit chain lock its turn comes after, instead of failing after 2 s and 5 s and being retried from scratch.
    transactionOptions: { maxWait: 10_000, timeout: 15_000 },
  });
}

const holder = globalThis as unknown as { portalPrisma?: PrismaClient };

/** One client per process; kept on globalThis so Next's dev reloads do not open new pools. */
export function getPrisma(): PrismaClient {
  holder.portalPrisma ??= createPrismaClient(requireDatabaseUrl());
  return holder.portalPrisma;
}

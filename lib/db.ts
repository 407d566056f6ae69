import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { requireDatabaseUrl } from "./env";

export type { PrismaClient } from "./generated/prisma/client";
export type DbTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
export type Db = PrismaClient | DbTransaction;

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }),
    // A burst (a queue of Slack clicks, a bulk decision) waits for a pooled connection instead of failing after 2 s.
    transactionOptions: { maxWait: 10_000 },
  });
}

const holder = globalThis as unknown as { portalPrisma?: PrismaClient };

/** One client per process; kept on globalThis so Next's dev reloads do not open new pools. */
export function getPrisma(): PrismaClient {
  holder.portalPrisma ??= createPrismaClient(requireDatabaseUrl());
  return holder.portalPrisma;
}

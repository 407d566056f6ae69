import type { PrismaClient } from "../db";
import { GENESIS_HASH, verifyBatch, type ChainBreak, type StoredEvent } from "./chain";

export type ChainReport =
  | { intact: true; events: number; lastHash: string; lastSeq: bigint | null }
  | { intact: false; events: number; problem: ChainBreak };

/** Walks the whole log in seq order, in batches so memory stays flat on millions of events. */
export async function verifyAuditChain(db: PrismaClient, batchSize = 5_000): Promise<ChainReport> {
  let previousHash = GENESIS_HASH;
  let afterSeq: bigint | null = null;
  let events = 0;
  for (;;) {
    const batch: StoredEvent[] = await db.auditEvent.findMany({
      where: afterSeq === null ? {} : { seq: { gt: afterSeq } },
      orderBy: { seq: "asc" },
      take: batchSize,
    });
    if (batch.length === 0) return { intact: true, events, lastHash: previousHash, lastSeq: afterSeq };
    const result = verifyBatch(previousHash, batch);
    if (!result.ok) return { intact: false, events: events + batch.findIndex((e) => e.seq === result.problem.seq), problem: result.problem };
    previousHash = result.lastHash;
    afterSeq = batch.at(-1)!.seq;
    events += batch.length;
  }
}

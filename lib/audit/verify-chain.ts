import type { PrismaClient } from "../db";
import { GENESIS_HASH, verifyBatch, type ChainBreak, type StoredEvent } from "./chain";

export type ChainReport =
  | { intact: true; events: number; lastHash: string; lastSeq: bigint | null }
  | { intact: false; events: number; problem: ChainBreak };

/** Walks the whole log in seq order, in batches so memory stays flat on millions of events. */
export async function verifyAuditChain(db: PrismaClient, batchSize = 5_000): Promise<ChainReport> {
  const fetchAfter = (seq: bigint | null): Promise<StoredEvent[]> =>
    db.auditEvent.findMany({
      where: seq === null ? {} : { seq: { gt: seq } },
      orderBy: { seq: "asc" },
      take: batchSize,
    });
  let previousHash = GENESIS_HASH;
  let afterSeq: bigint | null = null;
  let events = 0;
  let next = fetchAfter(null);
  for (;;) {
    const batch = await next;
    if (batch.length === 0) return { intact: true, events, lastHash: previousHash, lastSeq: afterSeq };
    // The database reads the next batch while this one is hashed.
    next = fetchAfter(batch.at(-1)!.seq);
    const result = verifyBatch(previousHash, batch);
    if (!result.ok) {
      await next.catch(() => undefined);
      return {
        intact: false,
        events: events + batch.findIndex((e) => e.seq === result.problem.seq),
        problem: result.problem,
      };
    }
    previousHash = result.lastHash;
    afterSeq = batch.at(-1)!.seq;
    events += batch.length;
  }
}

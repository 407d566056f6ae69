import type { Db } from "../db";

// An anchor is a (seq, hash) pair copied out of the database; a rewrite of the whole table cannot reproduce it.

export interface AuditAnchor {
  seq: bigint;
  hash: string;
}

export type AnchorCheck =
  | { status: "match"; seq: bigint; hash: string }
  | { status: "missing"; seq: bigint; detail: string }
  | { status: "mismatch"; seq: bigint; expected: string; actual: string; detail: string };

const HASH = /^[0-9a-f]{64}$/;

/** Reads "<seq> <hash>", "seq=<n> hash=<h>" or the `npm run audit:verify` line "Latest hash (seq N): H". */
export function parseAnchor(text: string): AuditAnchor | null {
  const match = /(\d{1,19})\D+?([0-9a-fA-F]{64})\b/.exec(text.trim());
  if (!match) return null;
  const hash = match[2]!.toLowerCase();
  return HASH.test(hash) ? { seq: BigInt(match[1]!), hash } : null;
}

/** The newest event's position in the chain, to be written to an external, write-once sink. */
export async function latestAnchor(db: Db): Promise<AuditAnchor | null> {
  const last = await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  return last ? { seq: last.seq, hash: last.hash } : null;
}

/** Whether the event the anchor names still carries the anchored hash; together with an intact chain this proves nothing before it changed. */
export async function compareAnchor(db: Db, anchor: AuditAnchor): Promise<AnchorCheck> {
  const event = await db.auditEvent.findUnique({ where: { seq: anchor.seq }, select: { hash: true } });
  if (!event)
    return {
      status: "missing",
      seq: anchor.seq,
      detail: "the anchored event no longer exists: the log was truncated or rebuilt",
    };
  if (event.hash !== anchor.hash.toLowerCase()) {
    return {
      status: "mismatch",
      seq: anchor.seq,
      expected: anchor.hash.toLowerCase(),
      actual: event.hash,
      detail: "the event at the anchored position has another hash: the log was rewritten up to here",
    };
  }
  return { status: "match", seq: anchor.seq, hash: event.hash };
}

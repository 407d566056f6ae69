import { createHash } from "node:crypto";

// Hash chain over audit events: hash = SHA-256(prevHash + "\n" + canonical encoding of the event).

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedEventFields {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  requestId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** JSON with object keys sorted at every depth, so the encoding does not depend on key order or jsonb storage. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function encodeEvent(event: ChainedEventFields): string {
  return canonicalJson([
    event.id,
    event.occurredAt.toISOString(),
    event.actorType,
    event.actorId,
    event.actorLabel,
    event.action,
    event.entityType,
    event.entityId,
    event.requestId,
    event.before ?? null,
    event.after ?? null,
    event.reason,
    event.ip,
    event.userAgent,
  ]);
}

export function chainHash(prevHash: string, event: ChainedEventFields): string {
  return createHash("sha256").update(prevHash).update("\n").update(encodeEvent(event)).digest("hex");
}

export type ChainBreak =
  | { kind: "altered"; seq: bigint; id: string; detail: string }
  | { kind: "removed-or-reordered"; seq: bigint; id: string; detail: string };

export interface StoredEvent extends ChainedEventFields {
  seq: bigint;
  prevHash: string;
  hash: string;
}

/** Checks one batch against the hash that precedes it; returns the first break, or the hash to continue from. */
export function verifyBatch(
  previousHash: string,
  events: StoredEvent[],
): { ok: true; lastHash: string } | { ok: false; problem: ChainBreak } {
  let expectedPrev = previousHash;
  for (const event of events) {
    if (event.prevHash !== expectedPrev) {
      return {
        ok: false,
        problem: {
          kind: "removed-or-reordered",
          seq: event.seq,
          id: event.id,
          detail:
            "its previous-hash does not match the event before it: an event was removed, inserted or reordered here",
        },
      };
    }
    if (chainHash(event.prevHash, event) !== event.hash) {
      return {
        ok: false,
        problem: {
          kind: "altered",
          seq: event.seq,
          id: event.id,
          detail: "its content no longer matches its hash: the event was altered",
        },
      };
    }
    expectedPrev = event.hash;
  }
  return { ok: true, lastHash: expectedPrev };
}

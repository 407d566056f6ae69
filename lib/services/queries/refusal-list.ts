import { z } from "zod";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

/** Every audit action that records a refused attempt: the coalesced ones and those a verb writes on its request. */
export const REFUSAL_ACTIONS = [
  "access.refused",
  "access.refused_repeated",
  "request.decision_refused",
  "request.extension_decision_refused",
  "request.revoke_refused",
] as const;

export const RefusalListInput = z.object({
  /** Keyset cursor: show events older than this sequence number. */
  before: z
    .string()
    .regex(/^\d{1,19}$/, "Not a valid page.")
    .optional(),
});

export interface RefusalRow {
  seq: string;
  occurredAt: Date;
  action: string;
  actorLabel: string;
  actorType: string;
  verb: string;
  target: string | null;
  code: string | null;
  count: number;
  /** A minute's summary: count is the refusals after the first, which has its own row. */
  repeated: boolean;
  reason: string | null;
  ip: string | null;
  requestId: string | null;
}

const PAGE_SIZE = 100;

function readAfter(after: unknown): {
  verb?: string;
  target?: string | null;
  code?: string;
  afterFirst?: number;
  lastTarget?: string | null;
} {
  return after && typeof after === "object" ? (after as Record<string, never>) : {};
}

/** Newest refused attempts first, for security reviewers watching for probing. */
export async function listRefusals({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  requireUser(ctx.actor, "history.read-all");
  const { before } = parseInput(RefusalListInput, input);
  const events = await ctx.db.auditEvent.findMany({
    where: { action: { in: [...REFUSAL_ACTIONS] }, ...(before !== undefined ? { seq: { lt: BigInt(before) } } : {}) },
    orderBy: { seq: "desc" },
    take: PAGE_SIZE + 1,
  });
  const rows: RefusalRow[] = events.slice(0, PAGE_SIZE).map((event) => {
    const after = readAfter(event.after);
    const requestScoped = event.action.startsWith("request.");
    return {
      seq: event.seq.toString(),
      occurredAt: event.occurredAt,
      action: event.action,
      actorLabel: event.actorLabel,
      actorType: event.actorType,
      verb:
        after.verb ??
        (requestScoped ? event.action.replace(/^request\./, "").replace(/_refused$/, "") : event.entityId),
      target: requestScoped ? event.requestId : (after.target ?? after.lastTarget ?? null),
      code: after.code ?? null,
      // The first refusal of a minute has its own row; the summary counts only the ones after it.
      count: event.action === "access.refused_repeated" ? (after.afterFirst ?? 1) : 1,
      repeated: event.action === "access.refused_repeated",
      reason: event.reason,
      ip: event.ip,
      requestId: event.requestId,
    };
  });
  const older = events.length > PAGE_SIZE ? rows[rows.length - 1]!.seq : null;
  return { rows, older };
}

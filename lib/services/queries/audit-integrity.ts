import { z } from "zod";
import { safeText } from "../../domain/safe-text";
import { compareAnchor, parseAnchor, type AnchorCheck } from "../../audit/anchor";
import { verifyAuditChain } from "../../audit/verify-chain";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

export const AuditIntegrityInput = z.object({ anchor: safeText("line").max(300).optional() });

export interface IntegrityProblem {
  kind: "altered" | "removed-or-reordered";
  seq: string;
  id: string;
  detail: string;
  /** What the broken event claims to be, to find it in the history; absent when the row itself is gone. */
  action: string | null;
  occurredAt: Date | null;
  requestId: string | null;
}

export type AnchorResult =
  | { status: "match"; seq: string; hash: string }
  | { status: "missing"; seq: string; detail: string }
  | { status: "mismatch"; seq: string; expected: string; actual: string; detail: string }
  | { status: "unreadable"; detail: string };

export interface AuditIntegrityReport {
  checkedAt: Date;
  durationMs: number;
  intact: boolean;
  /** Events verified before the first break (all of them when intact). */
  events: number;
  lastSeq: string | null;
  lastHash: string | null;
  problem: IntegrityProblem | null;
  anchor: AnchorResult | null;
}

function anchorResult(check: AnchorCheck): AnchorResult {
  return { ...check, seq: check.seq.toString() };
}

/** Walks the whole hash chain (auditors and admins only) and, given an externally kept anchor, checks the log still ends the same way. */
export async function checkAuditIntegrity({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: unknown;
}): Promise<AuditIntegrityReport> {
  requireUser(ctx.actor, "history.read-all");
  const data = parseInput(AuditIntegrityInput, input);
  const started = Date.now();
  const checkedAt = ctx.now();
  const report = await verifyAuditChain(ctx.db);
  let anchor: AnchorResult | null = null;
  if (data.anchor) {
    const parsed = parseAnchor(data.anchor);
    anchor = parsed
      ? anchorResult(await compareAnchor(ctx.db, parsed))
      : { status: "unreadable", detail: "Paste the sequence number and the 64-character hash, e.g. 1042 9f86d0…" };
  }
  if (report.intact) {
    return {
      checkedAt,
      durationMs: Date.now() - started,
      intact: true,
      events: report.events,
      lastSeq: report.lastSeq?.toString() ?? null,
      lastHash: report.lastSeq === null ? null : report.lastHash,
      problem: null,
      anchor,
    };
  }
  const event = await ctx.db.auditEvent.findUnique({
    where: { seq: report.problem.seq },
    select: { action: true, occurredAt: true, requestId: true },
  });
  return {
    checkedAt,
    durationMs: Date.now() - started,
    intact: false,
    events: report.events,
    lastSeq: null,
    lastHash: null,
    problem: {
      kind: report.problem.kind,
      seq: report.problem.seq.toString(),
      id: report.problem.id,
      detail: report.problem.detail,
      action: event?.action ?? null,
      occurredAt: event?.occurredAt ?? null,
      requestId: event?.requestId ?? null,
    },
    anchor,
  };
}

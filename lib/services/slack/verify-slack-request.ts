import { createHmac, timingSafeEqual } from "node:crypto";

// Slack's v0 request signature, checked on the raw body before anything in it is read.

/** Stricter than Slack's SDKs: a timestamp more than five minutes off in either direction is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
const REPLAY_WINDOW_MS = 2 * MAX_CLOCK_SKEW_SECONDS * 1000;

export type SignatureVerdict = { ok: true } | { ok: false; reason: "unsigned" | "stale" | "mismatch" };

export function verifySlackSignature(
  rawBody: string,
  timestampHeader: string | null,
  signatureHeader: string | null,
  signingSecret: string,
  nowMs: number,
): SignatureVerdict {
  if (!signingSecret || !timestampHeader || !signatureHeader) return { ok: false, reason: "unsigned" };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: "unsigned" };
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestampHeader)) > MAX_CLOCK_SKEW_SECONDS)
    return { ok: false, reason: "stale" };
  const expected = Buffer.from(
    `v0=${createHmac("sha256", signingSecret).update(`v0:${timestampHeader}:${rawBody}`).digest("hex")}`,
  );
  const given = Buffer.from(signatureHeader);
  return expected.length === given.length && timingSafeEqual(expected, given)
    ? { ok: true }
    : { ok: false, reason: "mismatch" };
}

/** Signatures seen in the last ten minutes (the skew window both ways): a request sent again is refused. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time a signature is offered within its window. */
  firstSighting(signature: string, nowMs: number): boolean {
    for (const [key, expiresAt] of this.seen) if (expiresAt <= nowMs) this.seen.delete(key);
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, nowMs + REPLAY_WINDOW_MS);
    return true;
  }
}

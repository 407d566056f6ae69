import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "../../db";

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

/** Signatures seen in the last ten minutes (the skew window both ways), kept in Postgres so every web replica refuses a resend. */
export class ReplayGuard {
  constructor(private readonly db: PrismaClient) {}

  /** True the first time a signature is offered within its window. */
  async firstSighting(signature: string, nowMs: number): Promise<boolean> {
    const now = new Date(nowMs);
    const signatureHash = createHash("sha256").update(signature).digest("hex");
    // Expired sightings go first, so a signature whose window closed is judged (and refused) by the timestamp check only.
    await this.db.slackInteractionSeen.deleteMany({ where: { expiresAt: { lte: now } } });
    const inserted = await this.db.$executeRaw`
      INSERT INTO "SlackInteractionSeen" ("signatureHash", "expiresAt")
      VALUES (${signatureHash}, ${new Date(nowMs + REPLAY_WINDOW_MS)})
      ON CONFLICT ("signatureHash") DO NOTHING`;
    return inserted === 1;
  }
}

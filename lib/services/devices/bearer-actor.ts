import type { PrismaClient } from "../../db";
import { apiTokenUsable } from "../../domain/device-sign-in";
import type { UserActor } from "../context";
import { API_TOKEN_PREFIX, sha256 } from "./device-secrets";
import { actorFromUser, API_CHANNEL } from "./user-actor";

// "Last used" is kept to the minute: a busy script must not write the token row on every call.
const LAST_USED_RESOLUTION_MS = 60_000;

/** The person behind `Authorization: Bearer <token>` and that token's id, or null for a missing, unknown, revoked or expired token. */
export async function actorForBearer(
  db: PrismaClient,
  authorization: string | null,
  ip: string | null,
  now: Date,
): Promise<{ actor: UserActor; tokenId: string } | null> {
  const match = /^Bearer\s+(\S{1,200})$/i.exec(authorization?.trim() ?? "");
  const token = match?.[1];
  if (!token?.startsWith(API_TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
  if (!row || !apiTokenUsable(row, now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS)
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  const actor = actorFromUser(row.user, { ip, userAgent: API_CHANNEL });
  return actor ? { actor, tokenId: row.id } : null;
}

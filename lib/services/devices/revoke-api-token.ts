import { z } from "zod";
import { AppError } from "../../domain/errors";
import { recordId } from "../../domain/safe-text";
import { emitAudit } from "../audit";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

export const RevokeApiTokenInput = z.object({ tokenId: recordId() });

/** Signs a device out: its owner or an admin; anyone else's token is NOT_FOUND so its existence is not revealed. */
export async function revokeApiToken({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  const actor = requireUser(ctx.actor, "device.authorize");
  const { tokenId } = parseInput(RevokeApiTokenInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: tokenId } });
    if (!token || (token.userId !== actor.userId && !hasPermission(actor, "device.revoke-any")))
      throw new AppError("NOT_FOUND", "That device is not signed in.");
    const changed = await tx.apiToken.updateMany({
      where: { id: tokenId, revokedAt: null },
      data: { revokedAt: now, revokedById: actor.userId },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "That device was already signed out.");
    await emitAudit(tx, actor, {
      action: "device.token_revoked",
      entityType: "api_token",
      entityId: tokenId,
      before: { userId: token.userId, deviceName: token.deviceName, expiresAt: token.expiresAt },
    });
    return { tokenId, deviceName: token.deviceName };
  });
}

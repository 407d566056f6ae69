import { apiTokenUsable } from "../../domain/device-sign-in";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";

export interface SignedInDevice {
  id: string;
  deviceName: string;
  owner: { name: string | null; email: string | null };
  mine: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
}

/** The devices signed in through `jit login` and still usable: one's own, or everyone's for an admin. */
export async function listSignedInDevices({ ctx }: { ctx: ServiceContext }): Promise<{
  devices: SignedInDevice[];
  everyone: boolean;
}> {
  const actor = requireUser(ctx.actor, "device.authorize");
  const everyone = hasPermission(actor, "device.revoke-any");
  const now = ctx.now();
  const rows = await ctx.db.apiToken.findMany({
    where: { revokedAt: null, expiresAt: { gt: now }, ...(everyone ? {} : { userId: actor.userId }) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 500,
    include: { user: { select: { name: true, email: true } } },
  });
  return {
    everyone,
    devices: rows
      .filter((row) => apiTokenUsable(row, now))
      .map((row) => ({
        id: row.id,
        deviceName: row.deviceName,
        owner: row.user,
        mine: row.userId === actor.userId,
        createdAt: row.createdAt,
        lastUsedAt: row.lastUsedAt,
        expiresAt: row.expiresAt,
      })),
  };
}

import { actorGroups } from "../../domain/group-targets";
import type { UserActor } from "../context";

/** The audit channel of every API call, as Slack's rows say "slack". */
export const API_CHANNEL = "api";

/** A portal user as an actor, roles and groups as the last IdP sign-in recorded them (what the web session reads too). */
export function actorFromUser(
  user: {
    id: string;
    email: string | null;
    name: string | null;
    roles: UserActor["roles"];
    idpGroups: string[];
    identityCenterGroups?: string[];
    identityCenterGroupsAt?: Date | null;
    identityStoreUserId: string | null;
  },
  client: { ip: string | null; userAgent: string | null },
  now = new Date(),
): UserActor | null {
  if (!user.email || user.roles.length === 0) return null;
  return {
    type: "user",
    userId: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    groups: actorGroups(
      {
        idpGroups: user.idpGroups,
        identityCenterGroups: user.identityCenterGroups ?? [],
        identityCenterGroupsAt: user.identityCenterGroupsAt ?? null,
      },
      now,
    ),
    identityStoreUserId: user.identityStoreUserId,
    ...client,
  };
}

import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { getPrisma } from "../db";
import type { Role } from "../generated/prisma/enums";
import type { UserActor } from "../services/context";
import { signInPathFor } from "../domain/return-path";
import { actorGroups } from "../domain/group-targets";
import { REQUESTED_PATH_HEADER } from "../web/requested-path";
import { sessionCookieName } from "../web/security-headers";
import { checkWebSession } from "../domain/web-session";
import { sessionCookiesAreSecure } from "./auth";
import { clientFromHeaders } from "./client-info";

/**
 * The signed-in user, re-read from the database for every request (roles are never trusted from the cookie). One query
 * finds the session and its user; expiry and renewal follow Auth.js's database-session rules (lib/domain/web-session.ts),
 * without a pass through its session endpoint, which read the same row again and minted a CSRF token per call.
 */
export const getActor = cache(async (): Promise<UserActor | null> => {
  const sessionToken = (await cookies()).get(sessionCookieName(sessionCookiesAreSecure()))?.value;
  if (!sessionToken) return null;
  const db = getPrisma();
  const session = await db.session.findUnique({ where: { sessionToken }, include: { user: true } });
  if (!session) return null;
  const check = checkWebSession(session.expires, new Date());
  if (check.kind === "expired") {
    await db.session.deleteMany({ where: { sessionToken } });
    return null;
  }
  if (check.renewTo) await db.session.updateMany({ where: { sessionToken }, data: { expires: check.renewTo } });
  const user = session.user;
  if (!user.email || user.roles.length === 0) return null;
  const client = clientFromHeaders(await headers());
  return {
    type: "user",
    userId: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    groups: actorGroups(user, new Date()),
    identityStoreUserId: user.identityStoreUserId,
    ...client,
  };
});

/** For pages: no session sends the visitor to sign-in (and back here afterwards); a missing role shows the forbidden page. */
export async function requireActor(anyOf?: Role[]): Promise<UserActor> {
  const actor = await getActor();
  if (!actor) redirect(signInPathFor((await headers()).get(REQUESTED_PATH_HEADER)));
  if (anyOf && !anyOf.some((role) => actor.roles.includes(role))) redirect("/forbidden");
  return actor;
}

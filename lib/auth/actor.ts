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
import { auth, sessionCookiesAreSecure } from "./auth";
import { clientFromHeaders } from "./client-info";

/** The signed-in user, re-read from the database for every request (roles are never trusted from the cookie). */
export const getActor = cache(async (): Promise<UserActor | null> => {
  // auth() validates the session and keeps it rolling; it carries no user id (see the session callback), so the row is found by its token.
  if (!(await auth())) return null;
  const sessionToken = (await cookies()).get(sessionCookieName(sessionCookiesAreSecure()))?.value;
  if (!sessionToken) return null;
  const session = await getPrisma().session.findUnique({ where: { sessionToken }, include: { user: true } });
  if (!session || session.expires <= new Date()) return null;
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

import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import { PrismaAdapter } from "@auth/prisma-adapter";
import { headers } from "next/headers";
import { getEnv } from "../env";
import { getPrisma } from "../db";
import { emitAudit } from "../services/audit";
import type { Actor } from "../services/context";
import { readGroupsClaim, rolesForGroups } from "./roles";
import { clientFromHeaders } from "./client-info";
import { secureCookiesFor } from "../web/security-headers";
import { returnUrlOnOrigin } from "../domain/return-path";
import { WEB_SESSION_MAX_AGE_MINUTES } from "../domain/device-sign-in";
import { WEB_SESSION_UPDATE_AGE_MINUTES } from "../domain/web-session";
import { errorFields, log } from "../log";
import { QUEUES } from "../jobs/queues";
import { getWebJobQueue } from "../web/job-queue";

const env = getEnv();
const authLog = log.child({ verb: "auth" });

export const sessionCookiesAreSecure = () => secureCookiesFor(env.APP_URL, env.SECURE_COOKIES);

async function requestClient() {
  try {
    return clientFromHeaders(await headers());
  } catch {
    return { ip: null, userAgent: null };
  }
}

// Built on first use, not at import: `next build` loads this module without a database.
const buildConfig = (): NextAuthConfig => ({
  adapter: PrismaAdapter(getPrisma()),
  // getActor applies the same lifetime to every page and route (lib/domain/web-session.ts).
  session: {
    strategy: "database",
    maxAge: WEB_SESSION_MAX_AGE_MINUTES * 60,
    updateAge: WEB_SESSION_UPDATE_AGE_MINUTES * 60,
  },
  secret: env.AUTH_SECRET,
  trustHost: true,
  // From APP_URL, not from X-Forwarded-Proto, so a proxy header cannot turn Secure off.
  useSecureCookies: sessionCookiesAreSecure(),
  pages: { signIn: "/signin", error: "/signin" },
  // Auth.js errors can carry the callback URL with its one-time code: they go through the redacting logger.
  logger: {
    error: (error) => authLog.error({ err: errorFields(error) }, "sign-in error"),
    warn: (code) => authLog.warn({ warning: code }, "auth warning"),
    debug: (message, metadata) => authLog.debug({ metadata }, message),
  },
  providers: [
    {
      id: "oidc",
      name: env.OIDC_PROVIDER_NAME,
      type: "oidc",
      issuer: env.OIDC_ISSUER,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      checks: ["pkce", "state", "nonce"],
      authorization: {
        params: {
          scope: `openid email profile ${env.OIDC_GROUPS_CLAIM}`,
          ...(env.OIDC_PROMPT === "omit" ? {} : { prompt: env.OIDC_PROMPT }),
        },
      },
      profile(profile) {
        return {
          id: String(profile.sub),
          name: (profile.name as string | undefined) ?? null,
          email: (profile.email as string | undefined)?.toLowerCase() ?? null,
          image: null,
        };
      },
    },
  ],
  callbacks: {
    // Every target next-auth redirects to (sign-in form, its callback cookie, sign-out) passes the same rule as the sign-in page.
    redirect: ({ url, baseUrl }) => returnUrlOnOrigin(url, baseUrl),
    // Deny by default: no email or no mapped role means no session at all.
    signIn({ profile }) {
      if (!profile || typeof profile.email !== "string" || !profile.email) return false;
      return rolesForGroups(readGroupsClaim(profile, env.OIDC_GROUPS_CLAIM), env.IDP_ROLE_MAP).length > 0;
    },
    // This object is also the body of GET /api/auth/session, readable by any script on the page: never the token or ids.
    session({ session, user }) {
      const dbUser = user as typeof user & { roles?: string[] };
      return {
        user: { name: dbUser.name ?? null, email: dbUser.email, roles: dbUser.roles ?? [] },
        expires: session.expires,
      } as unknown as typeof session;
    },
  },
  events: {
    // Roles follow the IdP on every sign-in, so removing someone from a group takes effect at their next sign-in.
    async signIn({ user, profile, isNewUser }) {
      if (!user.id || !profile) return;
      const groups = readGroupsClaim(profile, env.OIDC_GROUPS_CLAIM);
      const roles = rolesForGroups(groups, env.IDP_ROLE_MAP);
      const client = await requestClient();
      const prisma = getPrisma();
      await prisma.$transaction(async (tx) => {
        const before = await tx.user.findUnique({ where: { id: user.id }, select: { roles: true, idpGroups: true } });
        const updated = await tx.user.update({
          where: { id: user.id },
          data: { roles, idpGroups: groups, lastSignInAt: new Date(), name: user.name },
        });
        const actor: Actor = {
          type: "user",
          userId: updated.id,
          email: updated.email ?? "",
          name: updated.name,
          roles,
          groups,
          identityStoreUserId: updated.identityStoreUserId,
          ...client,
        };
        await emitAudit(tx, actor, {
          action: "user.signed_in",
          entityType: "user",
          entityId: updated.id,
          before: isNewUser ? null : before,
          after: { roles, idpGroups: groups },
        });
      });
      // Identity Center groups (eligibility by group) are read again at every sign-in, by the worker; never blocks sign-in.
      const userId = user.id;
      await getWebJobQueue()
        .then((queue) =>
          prisma.$transaction((tx) =>
            queue.send(tx, QUEUES.refreshIdentityCenterGroups, { userId }, { singletonKey: `ic-groups-${userId}` }),
          ),
        )
        .catch((error: unknown) =>
          log.warn({ err: errorFields(error) }, "could not queue the Identity Center group refresh at sign-in"),
        );
    },
    async signOut(message) {
      const session = "session" in message ? message.session : null;
      if (!session?.userId) return;
      const prisma = getPrisma();
      const user = await prisma.user.findUnique({ where: { id: session.userId } });
      if (!user) return;
      const client = await requestClient();
      await prisma.$transaction(async (tx) => {
        const actor: Actor = {
          type: "user",
          userId: user.id,
          email: user.email ?? "",
          name: user.name,
          roles: user.roles,
          groups: user.idpGroups,
          identityStoreUserId: user.identityStoreUserId,
          ...client,
        };
        await emitAudit(tx, actor, { action: "user.signed_out", entityType: "user", entityId: user.id });
      });
    },
  },
});

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig());

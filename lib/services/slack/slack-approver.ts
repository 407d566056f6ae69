import { actorGroups } from "../../domain/group-targets";
import type { WebClient } from "@slack/web-api";
import type { PrismaClient } from "../../db";
import { emailKey } from "../../domain/policy-schema";
import type { UserActor } from "../context";

// Who clicked: a Slack user is a portal user only through a confirmed, exact (ASCII case-folded) email match.

export type SlackIdentity =
  | { ok: true; actor: UserActor }
  | { ok: false; reason: "not-linked" | "unconfirmed" | "other-workspace" | "inactive" | "ambiguous" | "groups-stale" };

/** Groups and roles are read from the IdP at sign-in; a decision from Slack trusts them only as long as a web session would. */
export const SLACK_GROUPS_FRESH_FOR_MS = 8 * 60 * 60 * 1000;

const ASCII_EMAIL = /^[\x21-\x7e]+@[\x21-\x7e]+$/;

/** The portal user behind a Slack user id, re-read from Slack and the database on every decision. */
export async function portalActorForSlackUser(
  client: WebClient,
  db: PrismaClient,
  slackUserId: string,
  workspaceTeamId: string,
  now: Date = new Date(),
): Promise<SlackIdentity> {
  const { user } = await client.users.info({ user: slackUserId });
  if (!user || user.deleted || user.is_bot || user.is_app_user) return { ok: false, reason: "inactive" };
  // A Slack Connect member's address was confirmed by another organization's workspace, not by ours.
  if (user.team_id !== workspaceTeamId) return { ok: false, reason: "other-workspace" };
  // Only an address Slack says it confirmed links an account; an absent answer is not a yes.
  if (user.is_email_confirmed !== true) return { ok: false, reason: "unconfirmed" };
  const email = user.profile?.email?.trim();
  if (!email || !ASCII_EMAIL.test(email)) return { ok: false, reason: "not-linked" };
  const key = emailKey(email);
  const candidates = await db.user.findMany({
    where: { email: { equals: key, mode: "insensitive" } },
    select: {
      id: true,
      email: true,
      name: true,
      roles: true,
      idpGroups: true,
      identityCenterGroups: true,
      identityCenterGroupsAt: true,
      identityStoreUserId: true,
      lastSignInAt: true,
    },
    take: 3,
  });
  // The database's case folding is Unicode-aware; only an ASCII fold of the very same address counts here.
  const matches = candidates.filter((u) => u.email !== null && emailKey(u.email) === key);
  if (matches.length > 1) return { ok: false, reason: "ambiguous" };
  const match = matches[0];
  if (!match?.email || match.roles.length === 0) return { ok: false, reason: "not-linked" };
  // Someone removed from an approver group in the IdP must not keep approving from Slack on groups read long ago.
  if (!match.lastSignInAt || now.getTime() - match.lastSignInAt.getTime() > SLACK_GROUPS_FRESH_FOR_MS)
    return { ok: false, reason: "groups-stale" };
  return {
    ok: true,
    actor: {
      type: "user",
      userId: match.id,
      email: match.email,
      name: match.name,
      roles: match.roles,
      groups: actorGroups(match, now),
      identityStoreUserId: match.identityStoreUserId,
      ip: null,
      userAgent: "slack",
    },
  };
}

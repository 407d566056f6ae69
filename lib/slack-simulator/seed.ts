// The simulated workspace's starting users and channels: one Slack user per demo persona, plus refusal-test users.
import { PERSONAS } from "../demo/personas";

export interface SeedUser {
  id: string;
  /** The handle (`name`), e.g. "alice". */
  name: string;
  realName: string;
  email: string;
  /** null: users.info leaves `is_email_confirmed` out, as Slack may. */
  isEmailConfirmed?: boolean | null;
  /** A Slack Connect member from another organization's workspace, seen in a shared channel. */
  homeTeamId?: string;
  deleted?: boolean;
  isBot?: boolean;
}

export interface SeedChannel {
  id: string;
  name: string;
  /** A bot outside the channel gets `not_in_channel` when it posts there. */
  botIsMember: boolean;
  /** Member user ids; omitted = every seeded user. */
  members?: string[];
}

export interface SlackSeed {
  teamId: string;
  teamDomain: string;
  teamName: string;
  bot: { userId: string; botId: string; appId: string; name: string };
  users: SeedUser[];
  channels: SeedChannel[];
}

export const LOOKALIKE_USER_ID = "U0A1ICE";
export const UNCONFIRMED_USER_ID = "U0MALLORY";
export const DELETED_USER_ID = "U0GONE";
export const PARTNER_USER_ID = "U0PARTNERBOB";
export const UNREPORTED_EMAIL_USER_ID = "U0QUIETBOB";
export const OTHER_BOT_USER_ID = "U0HELPER";
export const APPROVALS_CHANNEL_ID = "C0APPROVALS";
export const SECURITY_CHANNEL_ID = "C0SECALERTS";
export const RANDOM_CHANNEL_ID = "C0RANDOM";

/** The persona's Slack user id, e.g. alice -> U0ALICE. */
export const slackUserIdFor = (personaKey: string) => `U0${personaKey.toUpperCase()}`;

export const DEFAULT_SLACK_SEED: SlackSeed = {
  teamId: "T0JITDEMO",
  teamDomain: "jit-demo",
  teamName: "JIT Demo",
  bot: { userId: "U0JITBOT", botId: "B0JITBOT", appId: "A0JITAPP", name: "jit-elevation" },
  users: [
    ...PERSONAS.map((persona) => ({
      id: slackUserIdFor(persona.key),
      name: persona.key,
      realName: persona.name,
      email: persona.email,
    })),
    // Same display name as alice, email one glyph away: the portal must match the exact address only.
    { id: LOOKALIKE_USER_ID, name: "a1ice", realName: "Alice Engineer", email: "a1ice@example.com" },
    {
      id: UNCONFIRMED_USER_ID,
      name: "mallory",
      realName: "Mallory Unconfirmed",
      email: "mallory@example.com",
      isEmailConfirmed: false,
    },
    // A partner organization's member with bob's address, confirmed in their own workspace: not bob.
    {
      id: PARTNER_USER_ID,
      name: "bob.partner",
      realName: "Bob Partner",
      email: "bob@example.com",
      homeTeamId: "T0PARTNER",
    },
    // Bob's address again, but Slack does not say whether it was confirmed.
    {
      id: UNREPORTED_EMAIL_USER_ID,
      name: "bob.quiet",
      realName: "Bob Unreported",
      email: "bob@example.com",
      isEmailConfirmed: null,
    },
    { id: DELETED_USER_ID, name: "gone", realName: "Gone Former", email: "gone@example.com", deleted: true },
    { id: OTHER_BOT_USER_ID, name: "helperbot", realName: "Helper Bot", email: "helperbot@example.com", isBot: true },
  ],
  channels: [
    { id: APPROVALS_CHANNEL_ID, name: "access-approvals", botIsMember: true },
    { id: SECURITY_CHANNEL_ID, name: "security-alerts", botIsMember: true },
    { id: RANDOM_CHANNEL_ID, name: "random", botIsMember: false },
  ],
};

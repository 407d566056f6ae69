import type { WebClient } from "@slack/web-api";
import type { SlackSettings } from "../notifications/settings";
import { createSlackClient } from "./slack-client";
import { ReplayGuard } from "./verify-slack-request";

// What the interaction route keeps between requests in one process: the client, seen signatures, the workspace id.

interface Runtime {
  key: string;
  client: WebClient;
  replay: ReplayGuard;
  installedTeamId: () => Promise<string | undefined>;
}

const holder = globalThis as unknown as { slackInteractionRuntime?: Runtime };
const replay = new ReplayGuard();

export function slackInteractionRuntime(settings: SlackSettings | null): Runtime {
  const key = `${settings?.apiUrl ?? ""} ${settings?.botToken ?? ""}`;
  if (holder.slackInteractionRuntime?.key === key) return holder.slackInteractionRuntime;
  const client = createSlackClient(
    settings ?? { botToken: "", signingSecret: "", approvalsChannel: "", securityChannel: "" },
  );
  let team: Promise<string | undefined> | null = null;
  holder.slackInteractionRuntime = {
    key,
    client,
    replay: holder.slackInteractionRuntime?.replay ?? replay,
    installedTeamId: () => {
      // A failed lookup is not cached, so the next click asks again.
      team ??= client.auth.test().then(
        (answer) => answer.team_id,
        (error: unknown) => {
          team = null;
          throw error;
        },
      );
      return team;
    },
  };
  return holder.slackInteractionRuntime;
}

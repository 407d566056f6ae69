// POST /api/slack/interactions - Slack's button clicks and modal submissions, verified by signature (no session).
import { after } from "next/server";
import { getPrisma } from "@/lib/db";
import { log } from "@/lib/log";
import { notificationSettings } from "@/lib/services/notifications/settings";
import { handleSlackInteraction } from "@/lib/services/slack/handle-interaction";
import { slackInteractionRuntime } from "@/lib/services/slack/interaction-runtime";
import { getWebJobQueue } from "@/lib/web/job-queue";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const POST = withRouteMetrics("/api/slack/interactions", async (request: Request) => {
  const settings = notificationSettings().slack;
  const runtime = slackInteractionRuntime(settings);
  return handleSlackInteraction(
    {
      db: getPrisma(),
      settings,
      client: runtime.client,
      queue: getWebJobQueue,
      defer: (task) => after(task),
      now: () => new Date(),
      replay: runtime.replay,
      installedTeamId: runtime.installedTeamId,
      log,
    },
    { rawBody: await request.text(), headers: request.headers },
  );
});

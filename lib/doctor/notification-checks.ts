import { WebClient } from "@slack/web-api";
import nodemailer from "nodemailer";
import type { Env } from "../env";
import { safeErrorText } from "../services/notifications/safe-error";
import { fail, pass, skip, warn, type CheckResult } from "./check-result";

const TIMEOUT_MS = 8_000;

type NotificationEnv = Pick<
  Env,
  | "SLACK_BOT_TOKEN"
  | "SLACK_SIGNING_SECRET"
  | "SLACK_API_URL"
  | "SLACK_TEAM_ID"
  | "SMTP_URL"
  | "MAIL_FROM"
  | "WEBHOOK_ENDPOINTS"
>;

/** Each configured channel answers: Slack's auth.test, an SMTP handshake, an HTTP answer from each webhook endpoint. */
export async function checkNotifications(env: NotificationEnv): Promise<CheckResult[]> {
  const [slack, smtp, webhooks] = await Promise.all([checkSlack(env), checkSmtp(env), checkWebhooks(env)]);
  return [...slack, ...smtp, ...webhooks];
}

async function checkSlack(env: NotificationEnv): Promise<CheckResult[]> {
  if (!env.SLACK_BOT_TOKEN) return [skip("Slack", "off (SLACK_BOT_TOKEN is not set)")];
  const client = new WebClient(env.SLACK_BOT_TOKEN, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL.replace(/\/?$/, "/") } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: TIMEOUT_MS,
  });
  try {
    const identity = await client.auth.test();
    const results = [
      pass(
        "Slack bot token",
        `accepted: bot ${identity.user ?? "?"} in workspace ${identity.team ?? "?"} (${identity.team_id ?? "?"})`,
      ),
    ];
    if (env.SLACK_TEAM_ID && identity.team_id !== env.SLACK_TEAM_ID)
      results.push(
        fail(
          "Slack workspace",
          `the token belongs to ${identity.team_id}, but SLACK_TEAM_ID is ${env.SLACK_TEAM_ID}`,
          "use the bot token of the workspace named in SLACK_TEAM_ID, or correct SLACK_TEAM_ID",
        ),
      );
    results.push(
      warn(
        "Slack interactivity",
        "the signing secret cannot be checked from here",
        "send a test click: the portal answers 401 to a request signed with another secret (logged at warn)",
      ),
    );
    return results;
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    return [
      fail(
        "Slack bot token",
        code ? `Slack refused it: ${code}` : `Slack is unreachable: ${safeErrorText(error)}`,
        code === "invalid_auth" || code === "token_revoked"
          ? "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN"
          : "check outbound HTTPS to slack.com (or SLACK_API_URL) from this host",
      ),
    ];
  }
}

async function checkSmtp(env: NotificationEnv): Promise<CheckResult[]> {
  if (!env.SMTP_URL) return [skip("SMTP", "off (SMTP_URL is not set)")];
  const transport = nodemailer.createTransport(env.SMTP_URL, {});
  try {
    await Promise.race([
      transport.verify(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS),
      ),
    ]);
    return [
      pass(
        "SMTP",
        `the server at ${smtpHost(env.SMTP_URL)} accepted a connection${hasAuth(env.SMTP_URL) ? " and the login" : ""}`,
      ),
    ];
  } catch (error) {
    return [
      fail(
        "SMTP",
        `${smtpHost(env.SMTP_URL)}: ${safeErrorText(error)}`,
        "check SMTP_URL (smtp://user:password@host:587 or smtps://…:465) and that this host may reach the mail server",
      ),
    ];
  } finally {
    transport.close();
  }
}

function smtpHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || (parsed.protocol === "smtps:" ? "465" : "587")}`;
  } catch {
    return "SMTP_URL";
  }
}

const hasAuth = (url: string) => URL.canParse(url) && new URL(url).username !== "";

async function checkWebhooks(env: NotificationEnv): Promise<CheckResult[]> {
  const endpoints = env.WEBHOOK_ENDPOINTS ?? [];
  if (endpoints.length === 0) return [skip("webhooks", "none configured (WEBHOOK_ENDPOINTS)")];
  return Promise.all(
    endpoints.map(async (endpoint): Promise<CheckResult> => {
      const where = `${new URL(endpoint.url).origin}${new URL(endpoint.url).pathname}`;
      try {
        // HEAD delivers nothing; any HTTP answer proves the endpoint is reachable.
        const response = await fetch(endpoint.url, {
          method: "HEAD",
          redirect: "manual",
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (response.status >= 300 && response.status < 400)
          return warn(
            `webhook ${endpoint.name}`,
            `${where} answers with a redirect (HTTP ${response.status}); deliveries do not follow redirects`,
            "configure the final URL",
          );
        return pass(`webhook ${endpoint.name}`, `${where} reachable (HTTP ${response.status} to HEAD)`);
      } catch (error) {
        return fail(
          `webhook ${endpoint.name}`,
          `${where}: ${safeErrorText(error)}`,
          "check the URL in WEBHOOK_ENDPOINTS and outbound access from this host",
        );
      }
    }),
  );
}

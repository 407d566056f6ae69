import type { RetrySettings } from "../../domain/notifications";
import { getEnv, type Env, type WebhookEndpoint } from "../../env";

// Which channels are on and where they point; a channel is off while its settings are unset.

export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  apiUrl?: string;
  teamId?: string;
  approvalsChannel: string;
  securityChannel: string;
}

export interface EmailSettings {
  smtpUrl: string;
  from: string;
  approvalsTo: string[];
  securityTo: string[];
}

export interface NotificationSettings {
  appUrl: string;
  accessPortalUrl?: string;
  slack: SlackSettings | null;
  email: EmailSettings | null;
  webhooks: WebhookEndpoint[];
  retry: RetrySettings;
}

export function notificationSettingsFromEnv(env: Env): NotificationSettings {
  return {
    appUrl: env.APP_URL.replace(/\/$/, ""),
    accessPortalUrl: env.AWS_ACCESS_PORTAL_URL,
    slack:
      env.SLACK_BOT_TOKEN && env.SLACK_SIGNING_SECRET
        ? {
            botToken: env.SLACK_BOT_TOKEN,
            signingSecret: env.SLACK_SIGNING_SECRET,
            apiUrl: env.SLACK_API_URL,
            teamId: env.SLACK_TEAM_ID,
            approvalsChannel: env.SLACK_APPROVALS_CHANNEL,
            securityChannel: env.SLACK_SECURITY_CHANNEL,
          }
        : null,
    email:
      env.SMTP_URL && env.MAIL_FROM
        ? {
            smtpUrl: env.SMTP_URL,
            from: env.MAIL_FROM,
            approvalsTo: env.MAIL_APPROVALS_TO ?? [],
            securityTo: env.MAIL_SECURITY_TO ?? [],
          }
        : null,
    webhooks: env.WEBHOOK_ENDPOINTS ?? [],
    retry: {
      baseMs: env.NOTIFY_RETRY_BASE_MS,
      windowMs: env.NOTIFY_RETRY_WINDOW_SECONDS * 1000,
      maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
    },
  };
}

let override: NotificationSettings | null = null;

/** The settings in force: the environment's, unless a test or benchmark set its own. */
export function notificationSettings(): NotificationSettings {
  return override ?? notificationSettingsFromEnv(getEnv());
}

/** For tests and benchmarks that run channels against local stand-ins; null restores the environment's. */
export function useNotificationSettings(settings: NotificationSettings | null) {
  override = settings;
}

export function anyChannelOn(settings: NotificationSettings): boolean {
  return Boolean(settings.slack || settings.email || settings.webhooks.length > 0);
}

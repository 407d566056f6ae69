import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from "@slack/web-api";
import type { DeliveryFailure } from "../../domain/notifications";
import { safeErrorText } from "../notifications/safe-error";
import type { SlackSettings } from "../notifications/settings";

// The one way the portal builds its Slack client and reads its errors; the outbox does the retrying.

export const SLACK_TIMEOUT_MS = 10_000;

/** Platform errors no retry can fix: a bad channel, a revoked or under-scoped token, a message Slack refuses. */
export const PERMANENT_SLACK_ERRORS = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "missing_scope",
  "users_not_found",
  "user_not_found",
  "user_disabled",
  "invalid_blocks",
  "invalid_blocks_format",
  "msg_too_long",
  "msg_blocks_too_long",
  "no_text",
  "cant_update_message",
  "message_not_found",
  "edit_window_closed",
]);

/** Marks a failure where Slack may have done the call anyway (no answer): the retry looks before it posts again. */
export const NO_ANSWER_PREFIX = "no answer from Slack";

export function createSlackClient(settings: SlackSettings, timeoutMs = SLACK_TIMEOUT_MS): WebClient {
  return new WebClient(settings.botToken, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    // The client's own warnings would print request details; failures reach the outbox as outcomes instead.
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      setLevel() {},
      getLevel: () => "error" as never,
      setName() {},
    },
  });
}

/** The platform error code of a failed call, if Slack answered one. */
export function slackErrorCode(error: unknown): string | null {
  return error instanceof WebAPIPlatformError ? String(error.data.error ?? "unknown_error") : null;
}

/** A failed Slack call as the outbox's failure kinds; messages name the code, never the token. */
export function slackFailure(error: unknown): DeliveryFailure {
  if (error instanceof WebAPIRateLimitedError)
    return { kind: "throttled", retryAfterMs: Math.max(error.retryAfter, 1) * 1000 };
  if (error instanceof WebAPIPlatformError) {
    const code = slackErrorCode(error)!;
    if (code === "ratelimited" || code === "rate_limited") return { kind: "throttled", retryAfterMs: 1000 };
    if (PERMANENT_SLACK_ERRORS.has(code)) return { kind: "permanent", error: `Slack refused the call: ${code}` };
    return { kind: "transient", error: `Slack answered ${code}` };
  }
  if (error instanceof WebAPIHTTPError) return { kind: "transient", error: `Slack answered HTTP ${error.statusCode}` };
  if (error instanceof WebAPIRequestError) {
    const original = error.original;
    const timedOut = original.name === "TimeoutError" || original.name === "AbortError";
    return {
      kind: "transient",
      error: timedOut ? `${NO_ANSWER_PREFIX} in time` : `${NO_ANSWER_PREFIX}: ${safeErrorText(original)}`,
      ambiguous: true,
    };
  }
  return { kind: "transient", error: safeErrorText(error) };
}

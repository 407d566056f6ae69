// Who hears about what, through which channel, and when a failed delivery is tried again: the notification rules.

/** Events people hear about; the names are also the webhook payload `type` (docs/webhooks.md). */
export const NOTIFICATION_EVENTS = {
  "request.waiting": { audience: "approvers", summary: "A request waits for your approval" },
  "approval.reminder": { audience: "approvers", summary: "Reminder: a request still waits for approval" },
  "approval.escalated": { audience: "escalation-approvers", summary: "Escalated: a request waits for approval" },
  "extension.waiting": { audience: "approvers", summary: "An extension waits for your approval" },
  "request.approved": { audience: "requester", summary: "Your request was approved" },
  "request.denied": { audience: "requester", summary: "Your request was denied" },
  "request.expired": { audience: "requester", summary: "Your request expired without a decision" },
  "extension.approved": { audience: "requester", summary: "Your extension was approved" },
  "extension.denied": { audience: "requester", summary: "Your extension was denied" },
  "access.active": { audience: "requester", summary: "Your access is active" },
  "access.ending": { audience: "requester", summary: "Your access ends soon" },
  "access.ended": { audience: "requester", summary: "Your access ended and was removed" },
  "access.revoked": { audience: "requester", summary: "Your access was revoked" },
  "access.failed": { audience: "requester", summary: "Your access could not be granted" },
  // Every raised alert; its message takes the heading of its kind (alert-presentation.ts).
  "removal.alert": { audience: "security", summary: "A security alert was raised" },
  "drift.found": { audience: "security", summary: "An assignment changed outside the portal" },
  "policy.reloaded": { audience: "security", summary: "The access policy was reloaded" },
  "breakglass.used": { audience: "security", summary: "Emergency access was used (break-glass)" },
  "breakglass.unreviewed": { audience: "security", summary: "An emergency access use is still not reviewed" },
  // Internal: re-renders every Slack copy of a request's approval message after a decision anywhere.
  "request.updated": { audience: "slack-copies", summary: "A request changed" },
} as const satisfies Record<string, { audience: Audience; summary: string }>;

export type NotificationEventType = keyof typeof NOTIFICATION_EVENTS;
export type Audience = "approvers" | "escalation-approvers" | "requester" | "security" | "slack-copies";

/** Event types a webhook may subscribe to (everything people hear about; not internal re-renders). */
export const WEBHOOK_EVENT_TYPES = (Object.keys(NOTIFICATION_EVENTS) as NotificationEventType[]).filter(
  (type) => NOTIFICATION_EVENTS[type].audience !== "slack-copies",
);

/** Which events an audited action causes; the one place that decides it (emitAudit consults it in the same transaction). */
export const NOTIFICATIONS_BY_AUDIT_ACTION: Readonly<Record<string, readonly NotificationEventType[]>> = {
  // Only a request that waits (not an auto-approved one); the planner checks the status.
  "request.created": ["request.waiting"],
  "request.approval_given": ["request.updated"],
  "request.denial_given": ["request.updated"],
  "request.approved": ["request.approved", "request.updated"],
  "request.denied": ["request.denied", "request.updated"],
  "request.cancelled": ["request.updated"],
  "request.expired": ["request.expired", "request.updated"],
  "request.escalated": ["approval.escalated", "request.updated"],
  "request.extension_requested": ["extension.waiting"],
  "request.extension_approved": ["extension.approved"],
  "request.extension_denied": ["extension.denied"],
  "request.active": ["access.active"],
  "request.extended": ["access.ending"],
  "request.completed": ["access.ended"],
  "request.revoked": ["access.revoked"],
  "request.failed": ["access.failed"],
  "alert.raised": ["removal.alert"],
  "drift.detected": ["drift.found"],
  "policy.loaded": ["policy.reloaded"],
  "policy.changed": ["policy.reloaded"],
  "breakglass.used": ["breakglass.used"],
  "breakglass.review_overdue": ["breakglass.unreviewed"],
};

/** Break-glass alerts are announced by their own events (breakglass.used, breakglass.unreviewed), not as a removal alert. */
export function isBreakGlassAlert(after: unknown): boolean {
  const kind = typeof after === "object" && after !== null ? (after as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" && kind.startsWith("break-glass-");
}

/** Events scheduled by another: the reminder at half the approval window, the ending notice N minutes before the end. */
export function followUpEvents(type: NotificationEventType): NotificationEventType[] {
  if (type === "request.waiting") return ["approval.reminder"];
  if (type === "access.active") return ["access.ending"];
  return [];
}

/** When a reminder goes out: half-way through the approval window. */
export function reminderAt(createdAt: Date, approvalExpiresAt: Date): Date {
  return new Date(createdAt.getTime() + (approvalExpiresAt.getTime() - createdAt.getTime()) / 2);
}

/** When a request is escalated: the rule's afterMinutes, else three quarters of the approval window. */
export function escalationAt(createdAt: Date, approvalExpiresAt: Date, afterMinutes?: number): Date {
  if (afterMinutes !== undefined) return new Date(createdAt.getTime() + afterMinutes * 60_000);
  return new Date(createdAt.getTime() + ((approvalExpiresAt.getTime() - createdAt.getTime()) * 3) / 4);
}

/** When the ending notice goes out, or null when the window is too short for one (the active notice says the end). */
export function endingNoticeAt(startsAt: Date, endsAt: Date, noticeMinutes: number): Date | null {
  const at = new Date(endsAt.getTime() - noticeMinutes * 60_000);
  return at.getTime() > startsAt.getTime() ? at : null;
}

/** The earliest notice any matched rule asks for wins, so no requester is told later than a rule promises. */
export function endingNoticeMinutes(rules: readonly { notify?: { endingNoticeMinutes?: number } }[]): number {
  const minutes = rules.map((rule) => rule.notify?.endingNoticeMinutes ?? DEFAULT_ENDING_NOTICE_MINUTES);
  return minutes.length > 0 ? Math.max(...minutes) : DEFAULT_ENDING_NOTICE_MINUTES;
}
export const DEFAULT_ENDING_NOTICE_MINUTES = 10;

export interface RequestState {
  status: string;
  endsAt: Date;
  escalatedAt: Date | null;
}

/**
 * A scheduled notification still worth sending when its time comes? A reminder only while the request waits, an ending
 * notice only while the access is active with the end it announced (an extension schedules a new one).
 */
export function stillRelevant(
  type: NotificationEventType,
  announced: { endsAt?: string | null },
  current: RequestState | null,
): boolean {
  if (type === "approval.reminder" || type === "approval.escalated")
    return current !== null && current.status === "PENDING";
  if (type === "access.ending")
    return (
      current !== null &&
      current.status === "ACTIVE" &&
      announced.endsAt !== undefined &&
      announced.endsAt === current.endsAt.toISOString()
    );
  return true;
}

/** Webhook subscriptions: "*", an exact type, or a family such as "request.*". */
export function eventMatchesFilter(type: NotificationEventType, filters: readonly string[]): boolean {
  if (NOTIFICATION_EVENTS[type].audience === "slack-copies") return false;
  return filters.some(
    (filter) => filter === "*" || filter === type || (filter.endsWith(".*") && type.startsWith(filter.slice(0, -1))),
  );
}

export interface RetrySettings {
  baseMs: number;
  windowMs: number;
  maxAttempts: number;
}

export type DeliveryFailure =
  | { kind: "throttled"; retryAfterMs: number }
  /** ambiguous: no answer came back, so the channel may have acted on the attempt. */
  | { kind: "transient"; error: string; ambiguous?: boolean }
  | { kind: "permanent"; error: string };

export type RetryPlan = { action: "retry"; at: Date; countsAsAttempt: boolean } | { action: "dead"; reason: string };

const MAX_BACKOFF_MS = 60 * 60_000;

/**
 * What happens after a failed attempt. Throttling waits what the channel asked and is not counted against the delivery;
 * transient failures back off ×4 from the base (up to an hour) with jitter until the attempts or the window run out;
 * permanent failures (bad address, 410 Gone, unknown channel) go straight to the dead letters.
 */
export function planRetry(
  failure: DeliveryFailure,
  delivery: { attempts: number; createdAt: Date },
  now: Date,
  settings: RetrySettings,
  random: () => number = Math.random,
): RetryPlan {
  if (failure.kind === "permanent") return { action: "dead", reason: failure.error };
  const deadline = delivery.createdAt.getTime() + settings.windowMs;
  if (failure.kind === "throttled") {
    const at = now.getTime() + Math.max(failure.retryAfterMs, 0);
    if (at > deadline) return { action: "dead", reason: "still throttled when the retry window closed" };
    return { action: "retry", at: new Date(at), countsAsAttempt: false };
  }
  if (delivery.attempts >= settings.maxAttempts)
    return { action: "dead", reason: `gave up after ${delivery.attempts} attempts: ${failure.error}` };
  const backoff = Math.min(settings.baseMs * 4 ** Math.max(delivery.attempts - 1, 0), MAX_BACKOFF_MS);
  // ±20% so deliveries that failed together do not retry together.
  const at = now.getTime() + backoff * (0.8 + 0.4 * random());
  if (at > deadline) return { action: "dead", reason: `retry window closed: ${failure.error}` };
  return { action: "retry", at: new Date(at), countsAsAttempt: true };
}

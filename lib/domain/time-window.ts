import type { FieldErrors } from "./errors";

// One minute is the shortest useful window (a quick look, or proving expiry works).
export const MIN_DURATION_MINUTES = 1;
/** Absolute ceiling whatever a policy says: 30 days. */
export const MAX_DURATION_MINUTES = 30 * 24 * 60;
export const MAX_SCHEDULE_AHEAD_DAYS = 30;
/** A scheduled start at most this far in the past is read as "now" (clock skew, a slow form), not rejected. */
export const START_SKEW_MS = 60_000;
export const MIN_EXTENSION_MINUTES = 5;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export type StartMode = "now" | "scheduled";

export interface WindowInput {
  now: Date;
  startMode: StartMode;
  /** Required when startMode is "scheduled"; ignored for "now". */
  startsAt?: Date;
  durationMinutes: number;
  /** The effective policy maximum for the request. */
  maxDurationMinutes: number;
}

export type WindowResult = { ok: true; startsAt: Date; endsAt: Date } | { ok: false; fieldErrors: FieldErrors };

/** Validates a requested window and computes its end; every problem is reported against the form field that causes it. */
export function resolveWindow(input: WindowInput): WindowResult {
  const fieldErrors: FieldErrors = {};
  const durationProblem = checkDuration(input.durationMinutes, input.maxDurationMinutes);
  if (durationProblem) fieldErrors.durationMinutes = [durationProblem];

  const now = input.now.getTime();
  let startsAt = now;
  if (input.startMode === "scheduled") {
    const requested = input.startsAt?.getTime();
    if (requested === undefined || !Number.isFinite(requested)) {
      fieldErrors.startsAt = ["Pick a start time, or start now."];
    } else if (requested < now - START_SKEW_MS) {
      fieldErrors.startsAt = ["The start time is in the past."];
    } else if (requested > now + MAX_SCHEDULE_AHEAD_DAYS * DAY_MS) {
      fieldErrors.startsAt = [`Schedule at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead.`];
    } else {
      startsAt = Math.max(requested, now);
    }
  } else if (input.startMode !== "now") {
    fieldErrors.startMode = ["Start now or pick a start time."];
  }

  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, startsAt: new Date(startsAt), endsAt: new Date(startsAt + input.durationMinutes * MINUTE_MS) };
}

/** Why a duration is not acceptable under a policy maximum, or null when it is. */
export function checkDuration(durationMinutes: number, maxDurationMinutes: number): string | null {
  if (!Number.isInteger(durationMinutes)) return "Enter whole minutes.";
  if (durationMinutes < MIN_DURATION_MINUTES)
    return `Ask for at least ${MIN_DURATION_MINUTES} minute${MIN_DURATION_MINUTES === 1 ? "" : "s"}.`;
  const max = effectiveMaxDuration(maxDurationMinutes);
  if (durationMinutes > max) return `The policy allows at most ${formatMinutes(max)} for this access.`;
  return null;
}

export interface ExtensionInput {
  now: Date;
  startsAt: Date;
  currentEndsAt: Date;
  extraMinutes: number;
  /** The policy maximum for the whole window, extensions included. */
  maxDurationMinutes: number;
}

export type ExtensionResult = { ok: true; endsAt: Date } | { ok: false; fieldErrors: FieldErrors };

/** Moves the end later; the whole window (start to new end) stays within the policy maximum. */
export function resolveExtension(input: ExtensionInput): ExtensionResult {
  const reject = (message: string): ExtensionResult => ({ ok: false, fieldErrors: { extraMinutes: [message] } });
  if (!Number.isInteger(input.extraMinutes)) return reject("Enter whole minutes.");
  if (input.extraMinutes < MIN_EXTENSION_MINUTES) return reject(`Extend by at least ${MIN_EXTENSION_MINUTES} minutes.`);
  const currentEnd = input.currentEndsAt.getTime();
  const start = input.startsAt.getTime();
  if (!Number.isFinite(currentEnd) || !Number.isFinite(start) || currentEnd <= start)
    return reject("This access has no valid window to extend.");
  if (currentEnd <= input.now.getTime()) return reject("This access already ended. Make a new request instead.");
  const endsAt = currentEnd + input.extraMinutes * MINUTE_MS;
  const max = effectiveMaxDuration(input.maxDurationMinutes);
  if (endsAt - start > max * MINUTE_MS) {
    const room = Math.floor((start + max * MINUTE_MS - currentEnd) / MINUTE_MS);
    return reject(
      room >= MIN_EXTENSION_MINUTES
        ? `The policy allows at most ${formatMinutes(max)} in total: extend by ${room} minutes or less.`
        : `This access already has the ${formatMinutes(max)} the policy allows.`,
    );
  }
  return { ok: true, endsAt: new Date(endsAt) };
}

/**
 * When a pending request stops waiting for approval: a "start now" window only begins at approval, so it gets the whole
 * approval window whatever its duration; a scheduled one cannot be approved after its start.
 */
export function pendingApprovalExpiresAt(input: {
  now: Date;
  startedImmediately: boolean;
  startsAt: Date;
  approvalWindowMinutes: number;
}): Date {
  const windowEnd = input.now.getTime() + Math.max(0, input.approvalWindowMinutes) * MINUTE_MS;
  return new Date(input.startedImmediately ? windowEnd : Math.min(windowEnd, input.startsAt.getTime()));
}

/** Whole minutes left until `endsAt`, never negative. */
export function minutesUntil(endsAt: Date, now: Date): number {
  return Math.max(0, Math.floor((endsAt.getTime() - now.getTime()) / MINUTE_MS));
}

/** AWS does not end console or CLI sessions when an assignment is removed: a session started now may outlast the grant. */
export function sessionOutlivesGrant(sessionDurationMinutes: number, remainingMinutes: number): boolean {
  return sessionDurationMinutes > remainingMinutes;
}

export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

// A missing or broken maximum must not mean "unlimited".
function effectiveMaxDuration(maxDurationMinutes: number): number {
  if (!Number.isFinite(maxDurationMinutes)) return 0;
  return Math.min(Math.floor(maxDurationMinutes), MAX_DURATION_MINUTES);
}

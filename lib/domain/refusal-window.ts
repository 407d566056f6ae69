import type { AppErrorCode } from "./errors";

// Refused attempts are evidence of probing, but one actor retrying must not flood the append-only audit chain.

export const REFUSAL_WINDOW_MS = 60_000;

/** The codes a refusal is recorded for; VALIDATION is a typo, not a probe, and authorization always runs before parsing. */
export const AUDITED_REFUSAL_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "INVALID_TRANSITION",
  "CONFLICT",
  "SELF_APPROVAL",
  "POLICY_DENIED",
] as const satisfies readonly AppErrorCode[];
export type AuditedRefusalCode = (typeof AUDITED_REFUSAL_CODES)[number];

export function isAuditedRefusal(code: string): code is AuditedRefusalCode {
  return (AUDITED_REFUSAL_CODES as readonly string[]).includes(code);
}

/** One actor+verb's open window: `count` refusals since `windowStart`, the first already written as its own event. */
export interface RefusalWindowState {
  windowStart: Date;
  count: number;
  firstTarget: string | null;
  lastTarget: string | null;
  lastCode: string;
  lastReason: string;
}

export interface Refusal {
  at: Date;
  target: string | null;
  code: string;
  reason: string;
  /** Refusals this one stands for, when a caller folded a burst before recording it (default 1). */
  weight?: number;
}

/** A closed window that saw more than one refusal: `count` is every refusal in it, the first of which was written on its own. */
export interface RefusalSummary {
  windowStart: Date;
  windowEnd: Date;
  count: number;
  firstTarget: string | null;
  lastTarget: string | null;
  lastCode: string;
  lastReason: string;
}

export interface RefusalPlan {
  window: RefusalWindowState;
  /** Write an `access.refused` event for this refusal now (the first of a window). */
  recordNow: boolean;
  /** Write one `access.refused_repeated` event for the window this refusal closed. */
  summary: RefusalSummary | null;
}

/** Open until a minute after its start; a refusal stamped a little before the start (taken before the row lock) still belongs to it. */
export function windowIsOpen(
  window: Pick<RefusalWindowState, "windowStart">,
  now: Date,
  windowMs = REFUSAL_WINDOW_MS,
): boolean {
  return now.getTime() < window.windowStart.getTime() + windowMs;
}

/** What a closed window leaves behind: a summary only when refusals after the first were folded into it. */
export function summarizeWindow(window: RefusalWindowState, windowMs = REFUSAL_WINDOW_MS): RefusalSummary | null {
  if (window.count <= 1) return null;
  const { windowStart, count, firstTarget, lastTarget, lastCode, lastReason } = window;
  return {
    windowStart,
    windowEnd: new Date(windowStart.getTime() + windowMs),
    count,
    firstTarget,
    lastTarget,
    lastCode,
    lastReason,
  };
}

/** The coalescing decision for one refusal against the actor+verb's current window (null when there is none). */
export function planRefusal(
  current: RefusalWindowState | null,
  refusal: Refusal,
  windowMs = REFUSAL_WINDOW_MS,
): RefusalPlan {
  if (current && windowIsOpen(current, refusal.at, windowMs)) {
    // Concurrent refusals take the row lock out of order: the window starts at the earliest one it holds.
    const windowStart = refusal.at < current.windowStart ? refusal.at : current.windowStart;
    return {
      window: {
        ...current,
        windowStart,
        count: current.count + (refusal.weight ?? 1),
        lastTarget: refusal.target,
        lastCode: refusal.code,
        lastReason: refusal.reason,
      },
      recordNow: false,
      summary: null,
    };
  }
  return {
    window: {
      windowStart: refusal.at,
      count: refusal.weight ?? 1,
      firstTarget: refusal.target,
      lastTarget: refusal.target,
      lastCode: refusal.code,
      lastReason: refusal.reason,
    },
    recordNow: true,
    summary: current ? summarizeWindow(current, windowMs) : null,
  };
}

// The web session's lifetime rules, as Auth.js applies them to database sessions: a fixed idle lifetime, renewed at most
// once per update interval so a busy page does not write the session row on every request.
import { WEB_SESSION_MAX_AGE_MINUTES } from "./device-sign-in";

/** Auth.js updateAge: a session is renewed when it was last renewed longer ago than this. */
export const WEB_SESSION_UPDATE_AGE_MINUTES = 15;

const MINUTE_MS = 60_000;

export type WebSessionCheck = { kind: "expired" } | { kind: "valid"; renewTo: Date | null };

/** Whether a session row still signs someone in at `now`, and the new expiry to write when it is due for renewal. */
export function checkWebSession(expires: Date, now: Date): WebSessionCheck {
  if (expires.getTime() <= now.getTime()) return { kind: "expired" };
  const lastRenewed = expires.getTime() - WEB_SESSION_MAX_AGE_MINUTES * MINUTE_MS;
  const due = lastRenewed + WEB_SESSION_UPDATE_AGE_MINUTES * MINUTE_MS <= now.getTime();
  return { kind: "valid", renewTo: due ? new Date(now.getTime() + WEB_SESSION_MAX_AGE_MINUTES * MINUTE_MS) : null };
}

"use client";

import { minutesUntil, sessionOverrunWarning } from "@/lib/domain/time-window";
import { useNow } from "./ui/use-now";

/** Warns while a console session opened now would outlive the grant; re-evaluated every second. */
export function SessionWarning({
  endsAt,
  sessionDurationMinutes,
}: {
  endsAt: string;
  sessionDurationMinutes: number | null;
}) {
  const now = useNow();
  if (now === 0 || sessionDurationMinutes === null) return null;
  const warning = sessionOverrunWarning(sessionDurationMinutes, minutesUntil(new Date(endsAt), new Date(now)));
  if (!warning) return null;
  return (
    <p
      data-testid="session-warning"
      className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200 ring-inset"
    >
      {warning} Removing the assignment does not end sessions already open: sign out of the AWS console when you are
      done.
    </p>
  );
}

"use client";

import { formatAge, formatRemaining } from "../format";
import { useNow } from "./use-now";

/** Time left until `to`, ticking every second. */
export function Countdown({ to, endedText = "ended", testId }: { to: string; endedText?: string; testId?: string }) {
  const now = useNow();
  if (now === 0) return <span className="text-slate-500 tabular-nums dark:text-slate-400">…</span>;
  const left = new Date(to).getTime() - now;
  return (
    <span
      data-testid={testId}
      className={`tabular-nums ${left > 0 && left < 5 * 60_000 ? "font-semibold text-amber-700 dark:text-amber-300" : ""}`}
    >
      {left > 0 ? formatRemaining(left) : endedText}
    </span>
  );
}

/** How long ago `from` was, in coarse units. */
export function Age({ from }: { from: string }) {
  const now = useNow();
  if (now === 0) return <span className="text-slate-500 dark:text-slate-400">…</span>;
  return <span className="tabular-nums">{formatAge(now - new Date(from).getTime())}</span>;
}

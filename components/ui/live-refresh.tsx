"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useTransition } from "react";

/** Re-renders the server page every few seconds while something on it can still change; pauses in background tabs. */
export function LiveRefresh({ active, intervalMs = 3000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  const [refreshing, startTransition] = useTransition();
  const inFlight = useRef(false);
  useEffect(() => {
    inFlight.current = refreshing;
  }, [refreshing]);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      // A new refresh cancels the one in flight, so on a slow server overlapping refreshes would never land.
      if (document.visibilityState !== "visible" || inFlight.current) return;
      startTransition(() => router.refresh());
    }, intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, router]);
  return active ? (
    <span
      className="inline-flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400"
      data-testid="live-indicator"
    >
      <span aria-hidden className="size-2 animate-pulse rounded-full bg-emerald-500" />
      live
    </span>
  ) : null;
}

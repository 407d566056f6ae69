"use client";

import { useSyncExternalStore } from "react";

const noop = () => () => {};

/** A timestamp in the viewer's own time zone; the server renders UTC until the browser takes over. */
export function LocalTime({
  iso,
  mode = "datetime",
}: {
  iso: string | null | undefined;
  /** "seconds": a date and time to the second, for audit events. */
  mode?: "datetime" | "time" | "date" | "seconds";
}) {
  const hydrated = useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
  if (!iso) return <span className="text-slate-500 dark:text-slate-400">—</span>;
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions =
    mode === "time"
      ? { hour: "2-digit", minute: "2-digit" }
      : mode === "date"
        ? { dateStyle: "medium" }
        : { dateStyle: "medium", timeStyle: mode === "seconds" ? "medium" : "short" };
  const text = hydrated
    ? date.toLocaleString(undefined, options)
    : `${date
        .toISOString()
        .slice(0, mode === "seconds" ? 19 : 16)
        .replace("T", " ")} UTC`;
  return (
    <time dateTime={iso} title={iso}>
      {text}
    </time>
  );
}

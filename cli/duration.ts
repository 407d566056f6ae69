import { MAX_DURATION_MINUTES } from "../lib/domain/time-window";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const DURATION = /^(?:(\d{1,5})h)?(?:(\d{1,6})m)?$/;
const DURATION_HINT = "Write a duration such as 1h, 30m, 90m or 1h30m.";

/** "1h", "30m", "90m", "1h30m" → whole minutes; the one reader of durations for --for and --by. */
export function parseDuration(text: string): Parsed<number> {
  const trimmed = text.trim().toLowerCase();
  const match = DURATION.exec(trimmed);
  if (trimmed === "" || !match || (match[1] === undefined && match[2] === undefined))
    return { ok: false, message: `"${text}" is not a duration. ${DURATION_HINT}` };
  const minutes = Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
  if (minutes < 1) return { ok: false, message: "A duration must be at least one minute." };
  if (minutes > MAX_DURATION_MINUTES) return { ok: false, message: "A duration can be at most 30 days." };
  return { ok: true, value: minutes };
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** --start: an ISO time with its zone ("2026-12-05T14:00Z") or "+<duration>" from now ("+2h"). */
export function parseStart(text: string, now: Date): Parsed<Date> {
  const trimmed = text.trim();
  if (trimmed.startsWith("+")) {
    const offset = parseDuration(trimmed.slice(1));
    return offset.ok ? { ok: true, value: new Date(now.getTime() + offset.value * 60_000) } : offset;
  }
  const startsAt = new Date(trimmed);
  if (!ISO_WITH_ZONE.test(trimmed) || Number.isNaN(startsAt.getTime()))
    return {
      ok: false,
      message: `"${text}" is not a start time. Write +2h for two hours from now, or a time with its zone such as 2026-12-05T14:00Z.`,
    };
  return { ok: true, value: startsAt };
}

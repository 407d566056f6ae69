// Permission sets carry their session length as an ISO-8601 duration (PT1H … PT12H in practice).
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** AWS's default when a permission set has no SessionDuration. */
export const DEFAULT_SESSION_DURATION = "PT1H";

/** Whole minutes in an ISO-8601 duration; throws on years or months, whose length is not fixed. */
export function isoDurationToMinutes(duration: string): number {
  const match = ISO_DURATION.exec(duration);
  if (!match || duration === "P" || duration.endsWith("T"))
    throw new RangeError(`unsupported ISO-8601 duration: ${duration}`);
  const [, weeks, days, hours, minutes, seconds] = match;
  const totalSeconds =
    Number(weeks ?? 0) * 7 * 86_400 +
    Number(days ?? 0) * 86_400 +
    Number(hours ?? 0) * 3_600 +
    Number(minutes ?? 0) * 60 +
    Number(seconds ?? 0);
  return Math.floor(totalSeconds / 60);
}

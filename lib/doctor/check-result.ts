// One line per check: what was checked, what was found, and what to do about it.

export type CheckStatus = "PASS" | "FAIL" | "WARN" | "SKIP";

export interface CheckResult {
  status: CheckStatus;
  /** What was checked, e.g. "database migrations". */
  check: string;
  /** What was found; never a secret. */
  detail: string;
  /** What to change, for FAIL and WARN. */
  fix?: string;
}

export const pass = (check: string, detail: string): CheckResult => ({ status: "PASS", check, detail });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({
  status: "FAIL",
  check,
  detail,
  fix,
});
export const warn = (check: string, detail: string, fix?: string): CheckResult => ({
  status: "WARN",
  check,
  detail,
  ...(fix ? { fix } : {}),
});
export const skip = (check: string, detail: string): CheckResult => ({ status: "SKIP", check, detail });

export function formatResult(result: CheckResult): string {
  const line = `${result.status.padEnd(4)}  ${result.check}: ${result.detail}`;
  return result.fix ? `${line} -> fix: ${result.fix}` : line;
}

/** Non-zero when any check failed, so a deploy pipeline can stop on it. */
export function exitCodeFor(results: readonly CheckResult[]): number {
  return results.some((result) => result.status === "FAIL") ? 1 : 0;
}

const REDACTED = "[redacted]";
// Shorter values (e.g. "postgres") are too common to scrub without mangling ordinary words.
const MIN_SCRUBBED_LENGTH = 6;

/** Last line of defence: no check is meant to echo a secret, but a library error message might. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let scrubbed = text;
  const distinct = [...new Set(secrets.filter((s): s is string => !!s && s.length >= MIN_SCRUBBED_LENGTH))];
  // Longest first so a secret containing another is replaced whole.
  for (const secret of distinct.sort((a, b) => b.length - a.length)) scrubbed = scrubbed.split(secret).join(REDACTED);
  return scrubbed;
}

/** Milliseconds as a short human string. */
export function describeMs(ms: number): string {
  return Math.abs(ms) < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// The local stack's shutdown as data: what stops in which wave, and how the stack keeps terminal signals to itself.

export type StackPart = "web" | "worker" | "simulator" | "idp" | "slack" | "sinks" | "database";

/** Waves stopped one after the other: users of the database first, then what they call, the database last. */
export const STOP_WAVES: readonly (readonly StackPart[])[] = [
  ["web", "worker"],
  ["simulator", "idp", "slack", "sinks"],
  ["database"],
];

/** Passed to the re-launched stack, which runs in its own process group. */
export const OWN_GROUP_FLAG = "--own-process-group";

/**
 * Ctrl-C (and Playwright's stop) signal the whole foreground process group at once, PostgreSQL included, which would then
 * cut the worker's connections before the ordered shutdown reaches it. The stack therefore re-launches itself in a new
 * process group and a thin launcher turns the signal into one SIGTERM to the stack.
 */
export function relaunchArgs(execArgv: readonly string[], argv: readonly string[]): string[] | null {
  if (argv.includes(OWN_GROUP_FLAG)) return null;
  return [...execArgv, ...argv.slice(1), OWN_GROUP_FLAG];
}

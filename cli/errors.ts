/** Exit codes, documented in `jit --help` and the README. */
export const EXIT = {
  ok: 0,
  other: 1,
  usage: 2,
  notSignedIn: 3,
  refused: 4,
  expired: 5,
  timedOut: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  any other failure (the portal unreachable, a conflict, a failed grant)
  2  bad arguments or input: an unknown account or permission set, or a duration, ticket or start the policy
     does not accept (the reason is printed)
  3  not signed in, or the sign-in expired or was revoked: run jit login
  4  refused: the policy denies the access, your role does not allow the command, an approver denied it,
     or you tried to approve your own request
  5  expired: the request or the sign-in code expired before it was decided
  6  timed out waiting (--wait)`;

/** A failure the CLI explains in plain words and ends with its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The portal's error codes (docs/api.md) as exit codes. */
export function exitCodeForApiError(code: string): ExitCode {
  switch (code) {
    case "UNAUTHENTICATED":
      return EXIT.notSignedIn;
    case "FORBIDDEN":
    case "POLICY_DENIED":
    case "SELF_APPROVAL":
      return EXIT.refused;
    case "VALIDATION":
      return EXIT.usage;
    default:
      return EXIT.other;
  }
}

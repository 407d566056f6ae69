import { CliError, EXIT, type ExitCode } from "./errors";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Human text for people, one JSON document on stdout for scripts (--json); progress goes to stderr then. */
export class Output {
  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  /** Progress and hints: stdout for people, stderr under --json so stdout stays one JSON document. */
  info(text: string) {
    if (this.json) this.io.stderr(`${text}\n`);
    else this.io.stdout(`${text}\n`);
  }

  result(value: unknown, human: string) {
    if (this.json) this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    else if (human !== "") this.io.stdout(`${human}\n`);
  }

  failure(error: unknown): ExitCode {
    const known =
      error instanceof CliError
        ? error
        : new CliError(EXIT.other, "jit failed unexpectedly. Run it again with --json and report what it printed.");
    if (this.json)
      this.io.stdout(
        `${JSON.stringify({ error: { code: known.code ?? codeName(known.exitCode), message: known.message, exitCode: known.exitCode } }, null, 2)}\n`,
      );
    else this.io.stderr(`jit: ${known.message}\n`);
    return known.exitCode;
  }
}

const CODE_NAMES: Record<ExitCode, string> = {
  0: "OK",
  1: "FAILED",
  2: "USAGE",
  3: "UNAUTHENTICATED",
  4: "REFUSED",
  5: "EXPIRED",
  6: "TIMED_OUT",
};

const codeName = (exitCode: ExitCode) => CODE_NAMES[exitCode];

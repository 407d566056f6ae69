import { checkAws } from "./aws-checks";
import { exitCodeFor, formatResult, scrubSecrets, skip, type CheckResult } from "./check-result";
import { checkDatabase } from "./database-checks";
import { checkEnvironment } from "./environment-checks";
import { checkOidc } from "./oidc-checks";

// Checks every setting and dependency a deployment needs; `npm run doctor` prints one line per check.

export interface DoctorReport {
  results: CheckResult[];
  lines: string[];
  exitCode: number;
}

/** Values that must never reach the output, taken from the raw environment so even invalid ones are covered. */
function secretsIn(source: Record<string, string | undefined>): (string | undefined)[] {
  let databasePassword: string | undefined;
  try {
    databasePassword = source.DATABASE_URL ? decodeURIComponent(new URL(source.DATABASE_URL).password) : undefined;
  } catch {
    databasePassword = undefined;
  }
  return [
    source.AUTH_SECRET,
    source.OIDC_CLIENT_SECRET,
    source.METRICS_TOKEN,
    source.DATABASE_URL,
    databasePassword,
    source.AWS_SECRET_ACCESS_KEY,
    source.AWS_SESSION_TOKEN,
  ];
}

const NOT_BUILT = "not configured (the portal has no such channel yet)";

export async function runDoctor(source: Record<string, string | undefined>): Promise<DoctorReport> {
  const environment = checkEnvironment(source);
  const results = [...environment.results];
  const env = environment.env;
  if (!env) {
    const reason = "skipped: fix the environment values above first";
    results.push(skip("database", reason), skip("OIDC", reason), skip("AWS", reason));
  } else {
    // Independent dependencies, checked side by side so a slow one does not hold up the rest.
    const [database, oidc, aws] = await Promise.all([checkDatabase(env.DATABASE_URL), checkOidc(env), checkAws(env)]);
    results.push(...database, ...oidc, ...aws);
  }
  results.push(skip("Slack", NOT_BUILT), skip("SMTP", NOT_BUILT), skip("webhooks", NOT_BUILT));
  const secrets = secretsIn(source);
  const lines = results.map((result) => scrubSecrets(formatResult(result), secrets));
  const failed = results.filter((result) => result.status === "FAIL").length;
  lines.push(
    failed
      ? `${failed} check(s) failed; fix them and run the doctor again.`
      : "No check failed. WARN lines are worth reading; SKIP lines were not checked.",
  );
  return { results, lines, exitCode: exitCodeFor(results) };
}

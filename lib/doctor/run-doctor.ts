import { urlPassword } from "../log";
import { checkAws } from "./aws-checks";
import { exitCodeFor, formatResult, scrubSecrets, skip, type CheckResult } from "./check-result";
import { checkDatabase } from "./database-checks";
import { checkEnvironment } from "./environment-checks";
import { checkOidc } from "./oidc-checks";
import { checkNotifications } from "./notification-checks";

// Checks every setting and dependency a deployment needs; `npm run doctor` prints one line per check.

export interface DoctorReport {
  results: CheckResult[];
  lines: string[];
  exitCode: number;
}

function webhookSecrets(json: string | undefined): string[] {
  try {
    const parsed: unknown = json ? JSON.parse(json) : [];
    return Array.isArray(parsed) ? parsed.flatMap((e) => (typeof e?.secret === "string" ? [e.secret] : [])) : [];
  } catch {
    return [];
  }
}

/** Values that must never reach the output, taken from the raw environment so even invalid ones are covered. */
function secretsIn(source: Record<string, string | undefined>): (string | undefined)[] {
  return [
    source.AUTH_SECRET,
    source.OIDC_CLIENT_SECRET,
    source.METRICS_TOKEN,
    source.DATABASE_URL,
    urlPassword(source.DATABASE_URL),
    source.AWS_SECRET_ACCESS_KEY,
    source.AWS_SESSION_TOKEN,
    source.SLACK_BOT_TOKEN,
    source.SLACK_SIGNING_SECRET,
    source.SMTP_URL,
    urlPassword(source.SMTP_URL),
    source.WEBHOOK_ENDPOINTS,
    ...webhookSecrets(source.WEBHOOK_ENDPOINTS),
  ];
}

export async function runDoctor(source: Record<string, string | undefined>): Promise<DoctorReport> {
  const environment = checkEnvironment(source);
  const results = [...environment.results];
  const env = environment.env;
  if (!env) {
    const reason = "skipped: fix the environment values above first";
    results.push(skip("database", reason), skip("OIDC", reason), skip("AWS", reason), skip("notifications", reason));
  } else {
    // Independent dependencies, checked side by side so a slow one does not hold up the rest.
    const [database, oidc, aws, notifications] = await Promise.all([
      checkDatabase(env.DATABASE_URL),
      checkOidc(env),
      checkAws(env),
      checkNotifications(env),
    ]);
    results.push(...database, ...oidc, ...aws, ...notifications);
  }
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

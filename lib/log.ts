import pino, { type Logger } from "pino";
import { getEnv, type Env } from "./env";

// One JSON line per event for web and worker; secrets are removed before a line leaves the process.

export type { Logger };

export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerSettings {
  level: Env["LOG_LEVEL"] | "silent";
  /** Configured secret values that must never appear in a line, wherever they turn up. */
  secrets: readonly string[];
  /** Defaults to stdout, written synchronously so a line right before process.exit is not lost. */
  destination?: LogSink;
}

const REDACTED = "[redacted]";

// Keys whose values are credentials wherever they appear in a logged object.
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passphrase|code_verifier|device_code|user_code|api[-_]?key|.*secret.*|.*token.*|x-slack-signature)$/i;

// Text patterns: OIDC/OAuth query values, bearer and basic credentials, cookie headers, database URL passwords.
const SECRET_TEXT: readonly [RegExp, string][] = [
  [
    /\b((?:code|device_code|user_code|state|session_state|id_token|access_token|refresh_token|token|client_secret|code_verifier)=)[^&#\s"'\\]*/gi,
    `$1${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  [/\b((?:set-)?cookie:\s*)[^"\\\n]*/gi, `$1${REDACTED}`],
  [/((?:__Secure-|__Host-)?(?:authjs|next-auth)\.[\w.-]+=)[^;\s"\\]*/gi, `$1${REDACTED}`],
  [/(postgres(?:ql)?:\/\/[^:/\s"@]+:)[^@\s"]+@/gi, `$1${REDACTED}@`],
  // Slack tokens, Standard Webhooks secrets, SMTP URL passwords.
  [/\bxox[abposre]-[A-Za-z0-9-]+/g, REDACTED],
  [/\bwhsec_[A-Za-z0-9+/=]+/g, REDACTED],
  // API tokens from `jit login`.
  [/\bjit_[A-Za-z0-9_-]{20,}/g, REDACTED],
  [/(smtps?:\/\/[^:/\s"@]+:)[^@\s"]+@/gi, `$1${REDACTED}@`],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Replaces secret values and secret-shaped text in one serialized line. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    // A JSON line carries the escaped form of a value.
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)]))
      out = out.replace(new RegExp(escapeRegExp(form), "g"), REDACTED);
  }
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

function awsRequestId(error: unknown): string | undefined {
  const metadata = (error as { $metadata?: { requestId?: unknown } }).$metadata;
  return typeof metadata?.requestId === "string" ? metadata.requestId : undefined;
}

/** An error as loggable fields: name, message, stack, AWS request id; the walk below removes secret-named keys. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  return {
    type: error.name,
    message: error.message,
    ...(awsRequestId(error) ? { awsRequestId: awsRequestId(error) } : {}),
    stack: error.stack,
    // The walk in logMethod turns a nested Error into fields and redacts a plain cause object by key.
    ...(error.cause !== undefined ? { cause: error.cause } : {}),
  };
}

function redactKeys(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (value instanceof Error) return redactKeys(errorFields(value), seen, depth);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value) || depth > 8) return "[omitted]";
  seen.add(value);
  if (value instanceof Headers) return redactKeys(Object.fromEntries(value.entries()), seen, depth + 1);
  if (value instanceof URL) return value.href;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redactKeys(item, seen, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) && item != null ? REDACTED : redactKeys(item, seen, depth + 1),
    ]),
  );
}

export function createLogger(settings: LoggerSettings): Logger {
  const target = settings.destination ?? pino.destination({ dest: 1, sync: true });
  const secrets = settings.secrets.filter(Boolean);
  return pino(
    {
      level: settings.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are already plain fields (errorFields); pino's own serializer would rename their type.
      serializers: { err: (value: unknown) => value },
      hooks: {
        // `log.error(error)` and `log.error({ err }, msg)` alike end up as plain, key-redacted fields.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error)
            return method.apply(this, [{ err: redactKeys(first) }, ...(rest.length ? rest : [first.message])] as never);
          return method.apply(this, [redactKeys(first), ...rest] as never);
        },
      },
    },
    { write: (line: string) => target.write(scrubText(line, secrets)) },
  );
}

/** The settings a process's logger takes from its environment. */
export function loggerSettings(env: Env): Omit<LoggerSettings, "destination"> {
  const databasePassword = urlPassword(env.DATABASE_URL);
  return {
    level: env.LOG_LEVEL,
    secrets: [
      env.AUTH_SECRET,
      env.OIDC_CLIENT_SECRET,
      env.METRICS_TOKEN,
      databasePassword,
      env.SLACK_BOT_TOKEN,
      env.SLACK_SIGNING_SECRET,
      urlPassword(env.SMTP_URL),
      ...(env.WEBHOOK_ENDPOINTS ?? []).map((endpoint) => endpoint.secret),
    ].filter((value): value is string => Boolean(value)),
  };
}

/** The password in a connection URL (database, SMTP), for redaction; undefined when there is none or it does not parse. */
export function urlPassword(url: string | undefined): string | undefined {
  try {
    return url ? decodeURIComponent(new URL(url).password) || undefined : undefined;
  } catch {
    return undefined;
  }
}

let root: Logger | undefined;

/** The process's logger, built on first use so importing this module never reads the environment. */
export function rootLogger(): Logger {
  root ??= createLogger(settingsOrFallback());
  return root;
}

// An invalid environment must still be reported: text patterns keep redacting, the level falls back to info.
function settingsOrFallback(): Omit<LoggerSettings, "destination"> {
  try {
    return loggerSettings(getEnv());
  } catch {
    return { level: "info", secrets: [] };
  }
}

/** Tests point the process logger at a captured stream; undefined goes back to the environment's. */
export function setRootLogger(logger: Logger | undefined) {
  root = logger;
}

/** `log.info(...)`, `log.child(...)`: always the current process logger. */
export const log: Logger = new Proxy({} as Logger, {
  get(_, key) {
    const logger = rootLogger();
    const value = Reflect.get(logger, key, logger) as unknown;
    return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
  },
});

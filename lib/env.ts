import { z } from "zod";
import { WEB_SESSION_MAX_AGE_MINUTES } from "./domain/device-sign-in";

// The one module that reads process.env: every setting is validated here, unset means the local demo default.

const LOCAL_DEMO_AUTH_SECRET = "local-demo-only-secret-change-me-in-production-000";

const Role = z.enum(["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"]);
export type RoleName = z.infer<typeof Role>;

const DEFAULT_ROLE_MAP =
  "engineering=REQUESTER,approvers=APPROVER,security-approvers=APPROVER,security-auditors=AUDITOR,portal-admins=ADMIN";

const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const positiveInt = (fallback: number) =>
  z.coerce
    .number({ message: "expected a whole number" })
    .int("expected a whole number")
    .positive("expected a number above 0")
    .default(fallback);

export const RoleMap = z.string().transform((text, ctx) => {
  const map: Record<string, RoleName[]> = Object.create(null);
  for (const pair of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [group, role] = pair.split("=").map((s) => s?.trim());
    const parsedRole = Role.safeParse(role?.toUpperCase());
    if (!group || !parsedRole.success) {
      ctx.addIssue({
        code: "custom",
        message: `expected group=ROLE pairs separated by commas (roles: ${Role.options.join(", ")}), got "${pair}"`,
      });
      return z.NEVER;
    }
    (map[group] ??= []).push(parsedRole.data);
  }
  return map;
});
export type RoleMap = z.infer<typeof RoleMap>;

const httpUrl = z.url({ protocol: /^https?$/, message: "expected an http(s) URL" });

// A channel name (#lowercase, as Slack allows) or a channel id (C…/G…).
const slackChannel = z
  .string()
  .regex(
    /^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{8,20})$/,
    'expected "#channel-name" (lowercase) or a channel id such as C0123456789',
  );

const emailList = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/,
            "expected plain email addresses separated by commas",
          ),
      )
      .min(1, "expected at least one email address"),
  );

const WebhookEndpoint = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a name is lowercase letters, digits and -"),
  url: httpUrl.refine(
    (url) => !URL.canParse(url) || (new URL(url).username === "" && new URL(url).password === ""),
    "put no user or password in the URL (it would show in errors); authenticate with the signature",
  ),
  // Standard Webhooks secret: whsec_ + base64 of 24 to 64 random bytes.
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "expected whsec_ followed by base64 of 24-64 random bytes"),
  events: z
    .array(z.string().regex(/^(\*|[a-z]+(\.[a-z_]+)?|[a-z]+\.\*)$/, 'expected event types such as "request.*" or "*"'))
    .min(1)
    .default(["*"]),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

const webhookEndpoints = z.string().transform((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "expected a JSON array of {name, url, secret, events}" });
    return z.NEVER;
  }
  const result = z.array(WebhookEndpoint).max(20, "at most 20 endpoints").safeParse(parsed);
  if (!result.success) {
    // Name the entry and field, never echo the value (it holds a secret).
    for (const issue of result.error.issues)
      ctx.addIssue({ code: "custom", message: `[${issue.path.join(".")}] ${issue.message}` });
    return z.NEVER;
  }
  const names = result.data.map((e) => e.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) {
    ctx.addIssue({ code: "custom", message: `endpoint name "${duplicate}" is used twice` });
    return z.NEVER;
  }
  return result.data;
});

export const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  APP_URL: httpUrl.default("http://localhost:3000"),
  AUTH_SECRET: z
    .string()
    .min(32, "expected at least 32 characters (generate one with: openssl rand -base64 32)")
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgresql:// connection string")
    .optional(),
  OIDC_ISSUER: httpUrl.default("http://127.0.0.1:3001"),
  OIDC_CLIENT_ID: z.string().min(1).default("jit-portal-local"),
  OIDC_CLIENT_SECRET: z.string().min(1).default("local-dev-idp-client-secret"),
  OIDC_PROVIDER_NAME: z.string().min(1).default("Local dev IdP"),
  OIDC_GROUPS_CLAIM: z.string().min(1).default("groups"),
  // Sent as the OIDC prompt on every sign-in, so signing out and in again offers the IdP's account choice; "omit" sends none.
  OIDC_PROMPT: z.enum(["login", "select_account", "consent", "omit"]).default("login"),
  IDP_ROLE_MAP: RoleMap.default(RoleMap.parse(DEFAULT_ROLE_MAP)),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-east-1")
    .default("us-east-1"),
  IDENTITY_CENTER_INSTANCE_ARN: z
    .string()
    .regex(
      /^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/,
      "expected arn:aws:sso:::instance/ssoins-<16 characters>",
    )
    .optional(),
  IDENTITY_STORE_ID: z
    .string()
    .regex(
      /^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
      "expected d-<10 hex> or a UUID",
    )
    .optional(),
  AWS_ASSUME_ROLE_ARN: z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/.+$/, "expected an IAM role ARN")
    .optional(),
  AWS_SIMULATOR_URL: httpUrl.optional(),
  // The read-only role the worker assumes in each member account to read its IAM credential report (docs/audit-role.md).
  AUDIT_ROLE_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, "expected an IAM role name (1-64 characters of [A-Za-z0-9_+=,.@-])")
    .default("JitPortalAudit"),
  AUDIT_ROLE_EXTERNAL_ID: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, "expected 2-1224 characters of [A-Za-z0-9_+=,.@:/-]")
    .optional(),
  AWS_ACCESS_PORTAL_URL: httpUrl.optional(),
  AWS_MAX_INFLIGHT_CREATES: positiveInt(10),
  AWS_REQUESTS_PER_SECOND: positiveInt(19),
  POLICY_FILE: z.string().min(1).default("policy/policy.yaml"),
  // How often each worker checks the policy file for changes; 0 = only on SIGHUP.
  POLICY_RELOAD_SECONDS: z.coerce
    .number({ message: "expected a whole number of seconds" })
    .int("expected a whole number of seconds")
    .min(0, "expected 0 (signal only) or more seconds")
    .default(10),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  SECURE_COOKIES: booleanString.optional(),
  RECONCILE_EVERY_SECONDS: z.coerce
    .number({ message: "expected a whole number of seconds" })
    .int("expected a whole number of seconds")
    .min(0, "expected 0 (off) or more seconds")
    .default(300),
  // A pair listed within this long and untouched through the portal since is skipped; 0 lists every pair each cycle.
  RECONCILE_SWEEP_EVERY_SECONDS: z.coerce
    .number({ message: "expected a whole number of seconds" })
    .int("expected a whole number of seconds")
    .min(0, "expected 0 (every cycle) or more seconds")
    .default(900),
  RECONCILE_MISSING: z.enum(["recreate", "mark"], { message: 'expected "recreate" or "mark"' }).default("mark"),
  RECONCILE_OUT_OF_BAND: z.enum(["report", "remove"], { message: 'expected "report" or "remove"' }).default("report"),
  REMOVAL_ALERT_AFTER_SECONDS: positiveInt(300),
  // An emergency access use nobody reviewed this many hours after it started raises an alert (decimals for tests).
  BREAK_GLASS_REVIEW_HOURS: z.coerce
    .number({ message: "expected a number of hours" })
    .positive("expected a number of hours above 0")
    .max(720, "expected at most 720 hours (30 days)")
    .default(24),
  // Lets a Prometheus scraper read /api/metrics without a session.
  METRICS_TOKEN: z
    .string()
    .min(24, "expected at least 24 characters (generate one with: openssl rand -hex 24)")
    .optional(),
  // Notifications: each channel is off while its settings are unset; see docs/notifications.md.
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[bpe]-[A-Za-z0-9-]{8,}$/, "expected a Slack bot token (xoxb-…)")
    .optional(),
  SLACK_SIGNING_SECRET: z
    .string()
    .regex(/^[0-9a-f]{16,128}$/, "expected the app's signing secret (hex, from Basic Information)")
    .optional(),
  // The Slack Web API base; only the local simulator changes it.
  SLACK_API_URL: httpUrl.optional(),
  // Interactions from any other workspace are refused.
  SLACK_TEAM_ID: z
    .string()
    .regex(/^T[A-Z0-9]{2,20}$/, "expected a Slack workspace id (T…)")
    .optional(),
  SLACK_APPROVALS_CHANNEL: slackChannel.default("#access-approvals"),
  SLACK_SECURITY_CHANNEL: slackChannel.default("#security-alerts"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s/?#]+(:\d+)?\/?(\?[^\s]*)?$/, "expected smtp://[user:pass@]host[:port] or smtps://…")
    .refine((value) => URL.canParse(value), "expected smtp://[user:pass@]host[:port] or smtps://…")
    .optional(),
  MAIL_FROM: z
    .string()
    .regex(
      /^([^<>\r\n]*<)?[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+>?$/,
      'expected an address such as "JIT portal <jit@example.com>"',
    )
    .optional(),
  // Mail lists: approvals that name no list of their own, and security alerts.
  MAIL_APPROVALS_TO: emailList.optional(),
  MAIL_SECURITY_TO: emailList.optional(),
  WEBHOOK_ENDPOINTS: webhookEndpoints.optional(),
  // Outbox retry schedule: the first retry waits this long, later ones grow ×4 up to an hour; a delivery is dead-lettered after the window.
  NOTIFY_RETRY_BASE_MS: positiveInt(5_000),
  NOTIFY_RETRY_WINDOW_SECONDS: positiveInt(86_400),
  NOTIFY_MAX_ATTEMPTS: positiveInt(12),
  // Sent and skipped notifications are deleted after this many days (the audit log keeps the events); dead letters stay.
  NOTIFY_RETENTION_DAYS: positiveInt(30),
  // The worker's own Prometheus listener (GET /metrics, METRICS_TOKEN bearer); unset, the worker opens no port.
  // Lifetime of an API token from `jit login`; never above the web session's 8 h.
  API_TOKEN_TTL_MINUTES: z.coerce
    .number({ message: "expected a whole number of minutes" })
    .int("expected a whole number of minutes")
    .min(5, "expected at least 5 minutes")
    .max(
      WEB_SESSION_MAX_AGE_MINUTES,
      `expected at most ${WEB_SESSION_MAX_AGE_MINUTES} minutes (the web session lifetime)`,
    )
    .default(WEB_SESSION_MAX_AGE_MINUTES),
  WORKER_METRICS_PORT: z.coerce
    .number({ message: "expected a port number" })
    .int("expected a port number")
    .min(1024, "expected a port from 1024 to 65535")
    .max(65535, "expected a port from 1024 to 65535")
    .optional(),
});

export type Env = z.infer<typeof EnvSchema> & { AUTH_SECRET: string; usingSimulator: boolean };

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Settings a running portal cannot do without against real AWS; `next build` checks only their shape. */
function runtimeRequirements(env: z.infer<typeof EnvSchema>): string[] {
  // An open port must not serve metrics to anyone who asks.
  const problems: string[] =
    env.WORKER_METRICS_PORT && !env.METRICS_TOKEN
      ? ["WORKER_METRICS_PORT: needs METRICS_TOKEN, which scrapers present as a bearer token"]
      : [];
  // A half-configured channel is reported, never half-enabled.
  if (Boolean(env.SLACK_BOT_TOKEN) !== Boolean(env.SLACK_SIGNING_SECRET))
    problems.push(
      env.SLACK_BOT_TOKEN
        ? "SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (interactions cannot be verified without it)"
        : "SLACK_BOT_TOKEN: required with SLACK_SIGNING_SECRET",
    );
  if (Boolean(env.SMTP_URL) !== Boolean(env.MAIL_FROM))
    problems.push(env.SMTP_URL ? "MAIL_FROM: required with SMTP_URL" : "SMTP_URL: required with MAIL_FROM");
  if (env.NODE_ENV !== "production" || env.AWS_SIMULATOR_URL) return problems;
  if (!env.AUTH_SECRET)
    problems.push("AUTH_SECRET: required against real AWS (generate one with: openssl rand -base64 32)");
  for (const key of ["IDENTITY_CENTER_INSTANCE_ARN", "IDENTITY_STORE_ID"] as const) {
    if (!env[key]) problems.push(`${key}: required when AWS_SIMULATOR_URL is not set (real AWS)`);
  }
  return problems;
}

export function parseEnv(source: Record<string, string | undefined>, options: { building?: boolean } = {}): Env {
  // Empty strings mean unset, so `FOO=` in a shell does not become an invalid value.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = EnvSchema.safeParse(cleaned);
  const problems = result.success
    ? options.building
      ? []
      : runtimeRequirements(result.data)
    : result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`);
  if (!result.success || problems.length > 0) throw new EnvError(problems);
  return {
    ...result.data,
    AUTH_SECRET: result.data.AUTH_SECRET ?? LOCAL_DEMO_AUTH_SECRET,
    usingSimulator: Boolean(result.data.AWS_SIMULATOR_URL),
  };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env, { building: process.env.NEXT_PHASE === "phase-production-build" });
  return cached;
}

export function requireDatabaseUrl(env: Env = getEnv()): string {
  if (!env.DATABASE_URL) {
    throw new EnvError([
      "DATABASE_URL: not set. `npm run dev` starts an embedded PostgreSQL and sets it; otherwise point it at your server.",
    ]);
  }
  return env.DATABASE_URL;
}

/** Settings the local stack scripts read (ports, data folder); kept here so only this module touches process.env. */
export const LocalStackSettings = z.object({
  DATA_DIR: z.string().min(1).default(".data"),
  LOCAL_DB_PORT: z.coerce.number().int().min(1024).max(65535).default(5433),
  APP_PORT: z.coerce.number().int().min(1024).max(65535).default(3000),
  IDP_PORT: z.coerce.number().int().min(1024).max(65535).default(3001),
  SIM_PORT: z.coerce.number().int().min(1024).max(65535).default(4566),
  // Local stand-ins for Slack, SMTP (and its mailbox page) and a webhook receiver.
  SLACK_SIM_PORT: z.coerce.number().int().min(1024).max(65535).default(4580),
  SMTP_PORT: z.coerce.number().int().min(1024).max(65535).default(2525),
  MAILBOX_PORT: z.coerce.number().int().min(1024).max(65535).default(4581),
  WEBHOOK_PORT: z.coerce.number().int().min(1024).max(65535).default(4582),
  // How `npm run dev` shows the children's JSON log lines; the processes themselves always write JSON.
  LOG_FORMAT: z.enum(["pretty", "json"], { message: 'expected "pretty" or "json"' }).default("pretty"),
});
export type LocalStackSettings = z.infer<typeof LocalStackSettings>;

export function parseLocalStackSettings(source: Record<string, string | undefined> = process.env): LocalStackSettings {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = LocalStackSettings.safeParse(cleaned);
  if (!result.success) throw new EnvError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  return result.data;
}

/** Where the browser for Playwright lives; Debian's chromium package by default. */
export function chromiumPath(source: Record<string, string | undefined> = process.env): string {
  return source.CHROMIUM_PATH || "/usr/bin/chromium";
}

/** First of the four consecutive ports the e2e stack uses (app, IdP, simulator, database); lets two checkouts run e2e side by side. */
export function e2ePortBase(source: Record<string, string | undefined> = process.env): number {
  const base = Number(source.E2E_PORT_BASE || "3200");
  if (!Number.isInteger(base) || base < 1024 || base > 65_000)
    throw new Error(`E2E_PORT_BASE must be a port number between 1024 and 65000, got "${source.E2E_PORT_BASE}".`);
  return base;
}

/** Raw access for scripts that pass the environment on to child processes. */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

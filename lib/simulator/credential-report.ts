// iam:GenerateCredentialReport / iam:GetCredentialReport for an audit role session: the report of its own account only.
import { randomUUID } from "node:crypto";
import type { SimulatorContext } from "./context";
import type { FaultDecision } from "./faults";
import { credentialError, escapeXml, IAM_NAMESPACE, queryError, type QueryResponse } from "./iam";
import type { SeedAccessKey, SeedIamAccount } from "./seed";
import { assumedRoleArn, type SessionAuth } from "./sessions";
import type { CredentialReportRecord } from "./state";

const DAY_MS = 86_400_000;

/** The documented columns, in AWS's order. */
export const CREDENTIAL_REPORT_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "password_last_used",
  "password_last_changed",
  "password_next_rotation",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_1_last_used_region",
  "access_key_1_last_used_service",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
  "access_key_2_last_used_region",
  "access_key_2_last_used_service",
  "cert_1_active",
  "cert_1_last_rotated",
  "cert_2_active",
  "cert_2_last_rotated",
] as const;

/** The report's time format: ISO 8601 to the second with an explicit +00:00 offset. */
const reportTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "+00:00");

function keyColumns(key: SeedAccessKey | undefined, generatedAtMs: number, region: string): string[] {
  if (!key) return ["false", "N/A", "N/A", "N/A", "N/A"];
  const used = key.lastUsedDaysAgo;
  return [
    String(key.active),
    reportTime(generatedAtMs - key.lastRotatedDaysAgo * DAY_MS),
    used === null ? "N/A" : reportTime(generatedAtMs - used * DAY_MS),
    used === null ? "N/A" : region,
    used === null ? "N/A" : (key.lastUsedService ?? "sts"),
  ];
}

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The report's CSV (root row first, then users by name) as of generatedAtMs. */
export function credentialReportCsv(
  iam: SeedIamAccount,
  accountCreatedAtMs: number,
  generatedAtMs: number,
  region: string,
): string {
  const certs = ["false", "N/A", "false", "N/A"];
  const root = [
    "<root_account>",
    `arn:aws:iam::${iam.accountId}:root`,
    reportTime(accountCreatedAtMs),
    "not_supported",
    "no_information",
    "not_supported",
    "not_supported",
    String(iam.rootMfaActive),
    ...keyColumns(iam.rootAccessKeys[0], generatedAtMs, region),
    ...keyColumns(iam.rootAccessKeys[1], generatedAtMs, region),
    ...certs,
  ];
  const users = [...iam.users]
    .sort((a, b) => a.userName.localeCompare(b.userName))
    .map((user) => {
      const createdAtMs = generatedAtMs - user.createdDaysAgo * DAY_MS;
      const hasPassword = user.passwordLastUsedDaysAgo !== undefined;
      const passwordUsed = user.passwordLastUsedDaysAgo;
      return [
        user.userName,
        `arn:aws:iam::${iam.accountId}:user/${user.userName}`,
        reportTime(createdAtMs),
        String(hasPassword),
        !hasPassword
          ? "N/A"
          : passwordUsed === null
            ? "no_information"
            : reportTime(generatedAtMs - passwordUsed! * DAY_MS),
        hasPassword ? reportTime(createdAtMs) : "N/A",
        "N/A",
        String(user.mfaActive),
        ...keyColumns(user.accessKeys[0], generatedAtMs, region),
        ...keyColumns(user.accessKeys[1], generatedAtMs, region),
        ...certs,
      ];
    });
  return [CREDENTIAL_REPORT_COLUMNS as readonly string[], root, ...users]
    .map((row) => row.map(csvField).join(","))
    .join("\n");
}

function ok(action: string, result: string): QueryResponse {
  const requestId = randomUUID();
  const body = `<${action}Response xmlns="${IAM_NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: "ok" };
}

const expired = (ctx: SimulatorContext, report: CredentialReportRecord) =>
  ctx.now() >= report.completesAtMs + ctx.config().credentialReportTtlMs;

export function handleCredentialReport(
  ctx: SimulatorContext,
  action: string,
  auth: Exclude<SessionAuth, { kind: "other" }>,
  fault: FaultDecision,
): QueryResponse {
  if (auth.kind === "session")
    return queryError(
      IAM_NAMESPACE,
      403,
      "Sender",
      "AccessDenied",
      `User is not authorized to perform: iam:${action} on resource: * (simulator: credential reports are modelled for the audit role only)`,
    );
  if (auth.kind !== "assumed-role") return credentialError(IAM_NAMESPACE, auth);
  const session = auth.session;
  if (fault?.kind === "access-denied")
    return queryError(
      IAM_NAMESPACE,
      403,
      "Sender",
      "AccessDenied",
      `User: ${assumedRoleArn(session)} is not authorized to perform: iam:${action} on resource: * because no identity-based policy allows the iam:${action} action`,
    );
  const now = ctx.now();
  const config = ctx.config();
  const current = ctx.state.credentialReports.get(session.accountId);

  if (action === "GenerateCredentialReport") {
    if (!current || expired(ctx, current)) {
      ctx.state.credentialReports.set(session.accountId, {
        accountId: session.accountId,
        startedAtMs: now,
        completesAtMs: now + config.credentialReportDelayMs,
      });
      return ok(
        action,
        "<State>STARTED</State><Description>No report exists. Starting a new report generation task</Description>",
      );
    }
    // AWS's wording for these two states is not documented; the State values are.
    if (now < current.completesAtMs)
      return ok(action, "<State>INPROGRESS</State><Description>Report generation task is in progress</Description>");
    return ok(action, "<State>COMPLETE</State>");
  }

  if (!current)
    return queryError(
      IAM_NAMESPACE,
      410,
      "Sender",
      "ReportNotPresent",
      "Credential report does not exist. To generate a credential report, use GenerateCredentialReport.",
    );
  if (now < current.completesAtMs)
    return queryError(
      IAM_NAMESPACE,
      404,
      "Sender",
      "ReportInProgress",
      "Credential report is still being generated. Try again later.",
    );
  if (expired(ctx, current) || config.credentialReportFaults[session.accountId] === "expires-on-read")
    return queryError(
      IAM_NAMESPACE,
      410,
      "Sender",
      "ReportExpired",
      "The most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.",
    );
  const iam = ctx.seed.iamAccounts?.find((candidate) => candidate.accountId === session.accountId);
  const account = ctx.seed.accounts.find((candidate) => candidate.id === session.accountId);
  let csv = iam
    ? credentialReportCsv(iam, account?.joinedAtMs ?? current.completesAtMs, current.completesAtMs, ctx.seed.region)
    : CREDENTIAL_REPORT_COLUMNS.join(",");
  // A cut-off report: half the header, as a truncated download would look.
  if (config.credentialReportFaults[session.accountId] === "corrupt") csv = csv.slice(0, 60);
  return ok(
    action,
    `<Content>${Buffer.from(csv, "utf8").toString("base64")}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>${escapeXml(new Date(current.completesAtMs).toISOString())}</GeneratedTime>`,
  );
}

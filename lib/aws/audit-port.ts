import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  type GetCredentialReportCommandOutput,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { parseCredentialReport, type CredentialReportRow } from "../domain/credential-report";
import { resolveCredentials } from "./clients";
import { AwsPortConfig } from "./config";
import { AwsPortError, toAwsPortError } from "./errors";
import { applyRateLimiter, observedCall, type AwsCallObservation } from "./identity-center-port";
import { NO_RATE_LIMIT, type RateLimiter } from "./rate-limiter";

// The member-account side of the scorecard: assume the read-only audit role, read the IAM credential report.

const ACCOUNT_ID = /^\d{12}$/;

export const AuditPortConfig = z.object({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as us-east-1"),
  /** Simulator URL; with it, STS is called with the simulator's placeholder credentials. */
  endpoint: z.url({ protocol: /^https?$/, message: "expected an http(s) URL" }).optional(),
  /** The portal's own role, if it assumes one; the audit role must trust whichever principal calls AssumeRole. */
  assumeRoleArn: AwsPortConfig.shape.assumeRoleArn,
  assumeRoleSessionName: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/)
    .default("jit-elevation-portal"),
  roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "expected an IAM role name"),
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/)
    .optional(),
  /** Name of the audit role sessions (CloudTrail shows it in each member account). */
  auditSessionName: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/)
    .default("jit-portal-scorecard"),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  requestTimeoutMs: z.number().int().positive().default(20_000),
  connectionTimeoutMs: z.number().int().positive().default(5_000),
});
export type AuditPortConfig = z.infer<typeof AuditPortConfig>;
export type AuditPortConfigInput = z.input<typeof AuditPortConfig>;

export interface AuditRoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

/** Why an account's credentials could not be measured; the scorecard shows the reason, never a zero. */
export type NotMeasuredCode =
  | "NO_AUDIT_ROLE"
  | "REPORT_ACCESS_DENIED"
  | "REPORT_TIMEOUT"
  | "REPORT_EXPIRED"
  | "MALFORMED_REPORT"
  | "UNAVAILABLE"
  | "INVALID_ACCOUNT";

export type CredentialReportReading =
  | { kind: "measured"; accountId: string; generatedAt: Date | null; rows: CredentialReportRow[] }
  | {
      kind: "not-measured";
      accountId: string;
      code: NotMeasuredCode;
      /** Plain words, safe to show. */
      reason: string;
      /** AWS's own message, for logs only. */
      detail?: string;
    };

export interface AuditPort {
  /** Temporary credentials of the audit role in the account; throws AwsPortError (ACCESS_DENIED when the role is missing or refuses). */
  assumeAuditRole(accountId: string): Promise<AuditRoleCredentials>;
  /** Generates the account's credential report, waits while AWS builds it, and reads it; per-account failures are "not measured". */
  readCredentialReport(accountId: string): Promise<CredentialReportReading>;
  close(): void;
}

export interface AuditPortOptions {
  /** Paces every STS and IAM request attempt (the worker passes its Postgres bucket). */
  limiter?: RateLimiter;
  observeCall?: (call: AwsCallObservation) => void;
  /** Patience for a report AWS is still generating, and the polling backoff. */
  reportTimeoutMs?: number;
  pollInitialMs?: number;
  pollMaxMs?: number;
  sleep?: (ms: number) => Promise<unknown>;
  now?: () => number;
}

// ReportExpired / ReportNotPresent after a COMPLETE generation: start again, a bounded number of times.
const MAX_GENERATIONS = 3;

export function createAuditPort(configInput: AuditPortConfigInput, options: AuditPortOptions = {}): AuditPort {
  const parsed = AuditPortConfig.safeParse(configInput);
  if (!parsed.success) throw new Error(`Invalid audit port configuration:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  const limiter = options.limiter ?? NO_RATE_LIMIT;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const reportTimeoutMs = options.reportTimeoutMs ?? 5 * 60_000;
  const pollInitialMs = options.pollInitialMs ?? 1_000;
  const pollMaxMs = options.pollMaxMs ?? 10_000;
  const shared = {
    region: config.region,
    maxAttempts: config.maxAttempts,
    requestHandler: { requestTimeout: config.requestTimeoutMs, connectionTimeout: config.connectionTimeoutMs },
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  // The portal's own credentials: the default chain (or its assumed role), placeholders against the simulator.
  const sts = new STSClient({ ...shared, credentials: resolveCredentials(config) });
  applyRateLimiter(sts, limiter);
  const call = <T>(operation: string, run: () => Promise<T>) => observedCall(operation, run, options.observeCall);

  async function assumeAuditRole(accountId: string): Promise<AuditRoleCredentials> {
    return call("AssumeRole", async () => {
      if (!ACCOUNT_ID.test(accountId))
        throw new AwsPortError({
          code: "VALIDATION",
          operation: "AssumeRole",
          message: "AssumeRole: the account id is malformed.",
        });
      const output = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/${config.roleName}`,
          RoleSessionName: config.auditSessionName,
          ...(config.externalId ? { ExternalId: config.externalId } : {}),
          DurationSeconds: 900,
        }),
      );
      const credentials = output.Credentials;
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken)
        throw new AwsPortError({
          code: "UNKNOWN",
          operation: "AssumeRole",
          detail: "the response carried no credentials",
        });
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
      };
    });
  }

  /** Calls GenerateCredentialReport until AWS says COMPLETE; false when it is still generating at the deadline. */
  async function waitForReport(iam: IAMClient, deadline: number): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const { State } = await call("GenerateCredentialReport", () => iam.send(new GenerateCredentialReportCommand({})));
      if (State === "COMPLETE") return true;
      const remaining = deadline - now();
      if (remaining <= 0) return false;
      await sleep(Math.min(remaining, pollMaxMs, pollInitialMs * 2 ** attempt));
    }
  }

  async function fetchReport(accountId: string, iam: IAMClient): Promise<CredentialReportReading> {
    const notMeasured = (code: NotMeasuredCode, reason: string, detail?: string): CredentialReportReading => ({
      kind: "not-measured",
      accountId,
      code,
      reason,
      ...(detail ? { detail } : {}),
    });
    const deadline = now() + reportTimeoutMs;
    let lastProblem: "expired" | "in-progress" = "in-progress";
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      if (!(await waitForReport(iam, deadline)))
        return notMeasured(
          "REPORT_TIMEOUT",
          `AWS was still generating the credential report after ${Math.round(reportTimeoutMs / 1000)} seconds.`,
        );
      let output: GetCredentialReportCommandOutput;
      try {
        output = await call("GetCredentialReport", () => iam.send(new GetCredentialReportCommand({})));
      } catch (error) {
        const name = toAwsPortError(error).awsErrorName;
        // In progress again (another caller started a new one), expired or gone: generate and wait once more.
        if (name === "CredentialReportNotReadyException" || name === "ReportInProgress") {
          lastProblem = "in-progress";
          continue;
        }
        if (
          name === "CredentialReportExpiredException" ||
          name === "ReportExpired" ||
          name === "CredentialReportNotPresentException" ||
          name === "ReportNotPresent"
        ) {
          lastProblem = "expired";
          continue;
        }
        throw error;
      }
      if (output.ReportFormat !== undefined && output.ReportFormat !== "text/csv")
        return notMeasured(
          "MALFORMED_REPORT",
          `The credential report came in an unexpected format (${output.ReportFormat}).`,
        );
      const text = output.Content ? Buffer.from(output.Content).toString("utf8") : "";
      const report = parseCredentialReport(text);
      if (!report.ok)
        return notMeasured("MALFORMED_REPORT", `The credential report could not be read: ${report.problem}.`);
      return { kind: "measured", accountId, generatedAt: output.GeneratedTime ?? null, rows: report.rows };
    }
    return lastProblem === "expired"
      ? notMeasured("REPORT_EXPIRED", "AWS kept answering that the credential report had expired or was missing.")
      : notMeasured("REPORT_TIMEOUT", "AWS kept generating a new credential report before this one could be read.");
  }

  return {
    assumeAuditRole,

    async readCredentialReport(accountId) {
      const notMeasured = (code: NotMeasuredCode, reason: string, error: AwsPortError): CredentialReportReading => ({
        kind: "not-measured",
        accountId,
        code,
        reason,
        ...(error.detail ? { detail: error.toLogString() } : {}),
      });
      let credentials: AuditRoleCredentials;
      try {
        credentials = await assumeAuditRole(accountId);
      } catch (error) {
        const portError = toAwsPortError(error, "AssumeRole");
        if (portError.code === "VALIDATION")
          return notMeasured("INVALID_ACCOUNT", "The account id is malformed.", portError);
        if (portError.code === "ACCESS_DENIED")
          return notMeasured(
            "NO_AUDIT_ROLE",
            `The portal could not assume the audit role ${config.roleName} in this account: the role is missing, does not trust the portal, or expects another external id.`,
            portError,
          );
        return notMeasured(
          "UNAVAILABLE",
          "AWS did not answer the audit role request; the next refresh tries again.",
          portError,
        );
      }
      const iam = new IAMClient({ ...shared, credentials });
      applyRateLimiter(iam, limiter);
      try {
        return await fetchReport(accountId, iam);
      } catch (error) {
        const portError = toAwsPortError(error);
        if (portError.code === "ACCESS_DENIED")
          return notMeasured(
            "REPORT_ACCESS_DENIED",
            "The audit role may not read the credential report (it needs iam:GenerateCredentialReport and iam:GetCredentialReport).",
            portError,
          );
        return notMeasured(
          "UNAVAILABLE",
          "AWS did not return the credential report; the next refresh tries again.",
          portError,
        );
      } finally {
        iam.destroy();
      }
    },

    close: () => sts.destroy(),
  };
}

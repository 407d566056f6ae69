import { z } from "zod";
import "zod-openapi";
import { APP_ERROR_CODES } from "../domain/errors";
import { REQUEST_STATUSES } from "../domain/request-lifecycle";
import { GRANT_STATUSES } from "../domain/request-lifecycle";

// The wire shapes of /api/v1: bodies are checked against these before a verb sees them, and the OpenAPI document is built from them.

export const ApiError = z
  .object({
    error: z.object({
      code: z.enum(APP_ERROR_CODES),
      message: z.string().meta({ description: "Safe to show to a person." }),
      fields: z.record(z.string(), z.string()).optional().meta({ description: "Field name to what is wrong with it." }),
    }),
  })
  .meta({ id: "Error" });

const Timestamp = z.iso.datetime({ offset: true }).meta({ example: "2026-12-05T10:00:00.000Z" });
const RequestId = z.string().min(1).max(64).meta({ description: "The request id.", example: "cmabc123def456" });
const AccountId = z
  .string()
  .regex(/^\d{12}$/)
  .meta({ example: "111111111111" });
const PermissionSetArn = z.string().meta({ example: "arn:aws:sso:::permissionSet/ssoins-1/ps-1" });

export const Me = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    roles: z.array(z.enum(["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"])),
  })
  .meta({ id: "Me" });

export const Target = z
  .object({
    accountId: AccountId,
    accountName: z.string(),
    permissionSetName: z.string(),
    permissionSetArn: PermissionSetArn,
    maxDurationMinutes: z.number().int(),
    approval: z.enum(["auto", "required"]),
    ticketRequired: z.boolean(),
    ticketHint: z
      .string()
      .optional()
      .meta({ description: "An example ticket the policy accepts, or its pattern when the policy gives no example." }),
  })
  .meta({ id: "Target" });

export const GroupTarget = z
  .object({
    name: z.string().meta({ description: "The Identity Center group's display name.", example: "prod-db-admins" }),
    label: z.string().meta({ example: 'membership of Identity Center group "prod-db-admins"' }),
    maxDurationMinutes: z.number().int(),
    approval: z.enum(["auto", "required"]),
    ticketRequired: z.boolean(),
    ticketHint: z
      .string()
      .optional()
      .meta({ description: "An example ticket the policy accepts, or its pattern when the policy gives no example." }),
  })
  .meta({ id: "GroupTarget", description: "An Identity Center group the caller may ask to join for a while." });

export const RequestView = z
  .object({
    id: z.string(),
    status: z.enum(REQUEST_STATUSES),
    version: z.number().int(),
    requester: z.object({ email: z.string().nullable(), name: z.string().nullable() }),
    createdAt: Timestamp,
    startsAt: Timestamp,
    endsAt: Timestamp,
    durationMinutes: z.number().int(),
    justification: z.string(),
    ticket: z.string().nullable(),
    closeReason: z.string().nullable(),
    targets: z.array(
      z.object({
        accountId: AccountId,
        accountName: z.string(),
        permissionSetName: z.string(),
        permissionSetArn: PermissionSetArn,
        grantStatus: z.enum(GRANT_STATUSES).nullable(),
      }),
    ),
    groups: z
      .array(
        z.object({
          name: z.string().meta({ example: "prod-db-admins" }),
          label: z.string().meta({ example: 'membership of Identity Center group "prod-db-admins"' }),
          grantStatus: z.enum(GRANT_STATUSES).nullable(),
        }),
      )
      .meta({
        description: "Temporary Identity Center group memberships; a request has targets or groups, never both.",
      }),
    approvals: z.number().int(),
    requiredApprovals: z.number().int(),
    url: z.string().meta({ description: "The request's page in the portal." }),
  })
  .meta({ id: "Request" });

export const HistoryItem = z
  .object({
    id: z.string(),
    status: z.enum(REQUEST_STATUSES),
    createdAt: Timestamp,
    requester: z.object({ email: z.string().nullable(), name: z.string().nullable() }),
    justification: z.string(),
    ticket: z.string().nullable(),
    startsAt: Timestamp,
    endsAt: Timestamp,
    decidedAt: Timestamp.nullable(),
    closedAt: Timestamp.nullable(),
    closeReason: z.string().nullable(),
    autoApproved: z.boolean(),
    targets: z.array(
      z.object({
        accountId: AccountId,
        accountName: z.string(),
        permissionSetName: z.string(),
        permissionSetArn: PermissionSetArn,
      }),
    ),
    groups: z
      .array(z.object({ name: z.string(), label: z.string() }))
      .meta({ description: "Identity Center group memberships asked for; a request has targets or groups." }),
    decisions: z.array(
      z.object({
        approverEmail: z.string().nullable(),
        decision: z.enum(["APPROVE", "DENY"]),
        comment: z.string().nullable(),
        at: Timestamp,
      }),
    ),
    url: z.string(),
  })
  .meta({ id: "HistoryItem" });

export const CreateRequestBody = z
  .object({
    targets: z
      .array(z.object({ accountId: z.string(), permissionSetArn: z.string() }))
      .optional()
      .meta({ description: "Account and permission set pairs, as GET /api/v1/targets lists them (or give groups)." }),
    groups: z
      .array(z.string())
      .optional()
      .meta({
        description:
          "Identity Center group names to join for the window, as GET /api/v1/targets lists them under groups (1 to 20; not with targets).",
        example: ["prod-db-admins"],
      }),
    durationMinutes: z.number().int(),
    justification: z.string(),
    ticket: z.string().optional(),
    startsAt: Timestamp.optional().meta({ description: "Start later (up to 30 days ahead); omitted starts now." }),
  })
  .meta({ id: "CreateRequest" });

export const EmptyBody = z.object({}).meta({ id: "Empty" });
export const ExtendBody = z
  .object({ minutes: z.number().int(), justification: z.string().optional() })
  .meta({ id: "Extend" });
export const ApproveBody = z.object({ comment: z.string().optional() }).meta({ id: "Approve" });
export const DenyBody = z.object({ comment: z.string() }).meta({ id: "Deny" });

export const MyRequestsQuery = z.object({
  status: z
    .string()
    .optional()
    .meta({ description: `Comma-separated statuses: ${REQUEST_STATUSES.join(", ")}.` }),
  limit: z.string().regex(/^\d+$/).optional().meta({ description: "1-200, default 50." }),
});

export const HistoryQuery = z.object({
  from: z.string().optional().meta({ description: "A date (2025-01-31) or ISO date-time." }),
  to: z.string().optional(),
  account: z.string().optional().meta({ description: "12-digit account id." }),
  requester: z.string().optional().meta({ description: "The requester's email." }),
  status: z.string().optional(),
  limit: z.string().regex(/^\d+$/).optional().meta({ description: "1-200, default 50." }),
  after: z.string().optional().meta({ description: "nextCursor of the previous page." }),
});

export const DeviceCodeBody = z
  .object({ client_id: z.literal("jit-cli"), device_name: z.string().min(1).max(64) })
  .meta({ id: "DeviceCodeRequest" });
export const DeviceCodeAnswer = z
  .object({
    device_code: z.string(),
    user_code: z.string().meta({ example: "BCDF-GHJK" }),
    verification_uri: z.string(),
    verification_uri_complete: z.string(),
    expires_in: z.number().int(),
    interval: z.number().int(),
  })
  .meta({ id: "DeviceCode" });
export const DeviceTokenBody = z
  .object({
    grant_type: z.literal("urn:ietf:params:oauth:grant-type:device_code"),
    device_code: z.string(),
    client_id: z.literal("jit-cli"),
  })
  .meta({ id: "DeviceTokenRequest" });
export const DeviceTokenAnswer = z
  .object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.number().int() })
  .meta({ id: "DeviceToken" });
export const DeviceTokenError = z
  .object({
    error: z.enum([
      "authorization_pending",
      "slow_down",
      "access_denied",
      "expired_token",
      "invalid_grant",
      "invalid_request",
      "invalid_client",
      "unsupported_grant_type",
    ]),
    error_description: z.string(),
  })
  .meta({ id: "DeviceTokenError", description: "RFC 8628 section 3.5." });

export { RequestId };

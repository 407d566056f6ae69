import { decideRequest } from "../services/approvals/decide-request";
import { revokeApiToken } from "../services/devices/revoke-api-token";
import { releaseGrant } from "../services/grants/release-grant";
import { listAccessHistory } from "../services/queries/history-list";
import { getApiRequest, listApprovalApiRequests, listMyApiRequests } from "../services/queries/api-requests";
import { getRequestFormOptions } from "../services/queries/request-form-options";
import { requireViewer } from "../services/queries/support";
import { cancelRequest } from "../services/requests/cancel-request";
import { createRequest } from "../services/requests/create-request";
import { extendRequest } from "../services/requests/extend-request";
import type { ApiCall, ApiEndpoint } from "./handle-api";
import {
  ApproveBody,
  CreateRequestBody,
  DenyBody,
  EmptyBody,
  ExtendBody,
  HistoryQuery,
  MyRequestsQuery,
} from "./schemas";

// Every /api/v1 route with a bearer token: each calls the same verbs and queries as the pages, nothing more.

const REQUEST_FIELD_NAMES = { requestId: "id", extraMinutes: "minutes" };

const endpoint = <Body>(definition: ApiEndpoint<Body>) => definition;

async function requestAnswer(call: ApiCall<unknown>, status = 200) {
  const request = await getApiRequest({
    ctx: call.ctx,
    input: { requestId: call.params.id },
    appUrl: call.deps.appUrl,
  });
  return { status, body: { request } };
}

export const meEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/me",
  summary: "Who the token belongs to",
  verb: "api",
  run: async ({ actor }) => ({
    body: { id: actor.userId, email: actor.email, name: actor.name, roles: actor.roles },
  }),
});

/** The policy's example ticket when it gives one; its pattern only when it does not. */
function ticketHint(ticket: { patterns: string[]; examples: string[] }): { ticketHint?: string } {
  const hints = ticket.examples.length > 0 ? ticket.examples : ticket.patterns;
  return hints.length > 0 ? { ticketHint: hints.join(" or ") } : {};
}

export const targetsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/targets",
  summary: "What I may request (account targets and Identity Center groups), with the policy's limits",
  verb: "targets.read",
  run: async ({ ctx }) => {
    const options = await getRequestFormOptions({ ctx });
    const targets = options.accounts.flatMap((account) =>
      account.permissionSets.map((set) => ({
        accountId: account.id,
        accountName: account.name,
        permissionSetName: set.name,
        permissionSetArn: set.arn,
        maxDurationMinutes: set.maxDurationMinutes,
        approval: set.autoApprove ? ("auto" as const) : ("required" as const),
        ticketRequired: set.ticket.required,
        ...ticketHint(set.ticket),
      })),
    );
    const groups = options.groups.map((group) => ({
      name: group.name,
      label: group.label,
      maxDurationMinutes: group.maxDurationMinutes,
      approval: group.autoApprove ? ("auto" as const) : ("required" as const),
      ticketRequired: group.ticket.required,
      ...ticketHint(group.ticket),
    }));
    return { body: { targets, groups, ...(options.message ? { message: options.message } : {}) } };
  },
});

export const listRequestsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/requests",
  summary: "My requests, newest first",
  verb: "request.read",
  query: MyRequestsQuery,
  run: async ({ ctx, query, deps }) => ({
    body: { requests: await listMyApiRequests({ ctx, input: query, appUrl: deps.appUrl }) },
  }),
});

export const createRequestEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/requests",
  summary: "Ask for access",
  verb: "request.create",
  permission: "request.create",
  body: CreateRequestBody,
  run: async (call) => {
    const { ctx, body, deps } = call;
    const { requestId } = await createRequest({
      ctx,
      input: { ...body, startMode: body.startsAt ? "scheduled" : "now" },
      queue: await deps.queue(),
    });
    return requestAnswer({ ...call, params: { id: requestId } }, 201);
  },
});

export const getRequestEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/requests/{id}",
  summary: "One request (mine, or any for approvers, auditors and admins)",
  verb: "request.read",
  fieldNames: REQUEST_FIELD_NAMES,
  run: (call) => requestAnswer(call),
});

export const cancelEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/requests/{id}/cancel",
  summary: "Withdraw my request before it starts",
  verb: "request.cancel",
  permission: "request.cancel",
  body: EmptyBody,
  fieldNames: REQUEST_FIELD_NAMES,
  run: async (call) => {
    await cancelRequest({ ctx: call.ctx, input: { requestId: call.params.id }, queue: await call.deps.queue() });
    return requestAnswer(call);
  },
});

export const releaseEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/requests/{id}/release",
  summary: "Give my access back early",
  verb: "request.release",
  permission: "grant.release",
  body: EmptyBody,
  fieldNames: REQUEST_FIELD_NAMES,
  run: async (call) => {
    await releaseGrant({ ctx: call.ctx, input: { requestId: call.params.id }, queue: await call.deps.queue() });
    return requestAnswer(call);
  },
});

export const extendEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/requests/{id}/extend",
  summary: "Ask for more time on my active request",
  verb: "request.extend",
  permission: "request.extend",
  body: ExtendBody,
  fieldNames: REQUEST_FIELD_NAMES,
  run: async (call) => {
    await extendRequest({
      ctx: call.ctx,
      input: { requestId: call.params.id, extraMinutes: call.body.minutes, justification: call.body.justification },
      queue: await call.deps.queue(),
    });
    return requestAnswer(call);
  },
});

export const approvalsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/approvals",
  summary: "Requests waiting for my decision",
  verb: "approvals.read",
  run: async ({ ctx, deps }) => ({
    body: { requests: await listApprovalApiRequests({ ctx, appUrl: deps.appUrl }) },
  }),
});

const decide = (decision: "APPROVE" | "DENY") => async (call: ApiCall<{ comment?: string }>) => {
  await decideRequest({
    ctx: call.ctx,
    input: { requestId: call.params.id, decision, comment: call.body.comment },
    queue: await call.deps.queue(),
  });
  return requestAnswer(call);
};

export const approveEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/requests/{id}/approve",
  summary: "Approve a request routed to me",
  verb: "request.decide",
  permission: "request.decide",
  body: ApproveBody,
  fieldNames: REQUEST_FIELD_NAMES,
  run: decide("APPROVE"),
});

export const denyEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/requests/{id}/deny",
  summary: "Deny a request routed to me (a comment is required)",
  verb: "request.decide",
  permission: "request.decide",
  body: DenyBody,
  fieldNames: REQUEST_FIELD_NAMES,
  run: decide("DENY"),
});

export const historyEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/history",
  summary: "Access history, as the audit dashboard filters it (auditors and admins see everyone's)",
  verb: "history.read",
  query: HistoryQuery,
  run: async ({ ctx, query, deps }) => {
    requireViewer(ctx.actor);
    const page = await listAccessHistory({ ctx, input: query });
    return {
      body: {
        requests: page.rows.map((row) => ({
          id: row.id,
          status: row.status,
          createdAt: row.createdAt,
          requester: { email: row.requester.email, name: row.requester.name },
          justification: row.justification,
          ticket: row.ticket,
          startsAt: row.startsAt,
          endsAt: row.endsAt,
          decidedAt: row.decidedAt,
          closedAt: row.closedAt,
          closeReason: row.closeReason,
          autoApproved: row.autoApproved,
          targets: row.targets.map(({ accountId, accountName, permissionSetName, permissionSetArn }) => ({
            accountId,
            accountName,
            permissionSetName,
            permissionSetArn,
          })),
          groups: row.groups.map(({ groupName, label }) => ({ name: groupName, label })),
          decisions: row.decisions.map(({ approverEmail, decision, comment, at }) => ({
            approverEmail,
            decision,
            comment,
            at,
          })),
          url: new URL(`/requests/${row.id}`, deps.appUrl).toString(),
        })),
        nextCursor: page.nextCursor,
      },
    };
  },
});

export const signOutEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/device/sign-out",
  summary: "Sign this device out: the token it called with stops working at once",
  verb: "device.revoke",
  permission: "device.authorize",
  body: EmptyBody,
  run: async ({ ctx, tokenId }) => ({
    body: { signedOut: (await revokeApiToken({ ctx, input: { tokenId } })).deviceName },
  }),
});

export const BEARER_ENDPOINTS: ApiEndpoint<never>[] = [
  meEndpoint,
  signOutEndpoint,
  targetsEndpoint,
  listRequestsEndpoint,
  createRequestEndpoint,
  getRequestEndpoint,
  cancelEndpoint,
  releaseEndpoint,
  extendEndpoint,
  approvalsEndpoint,
  approveEndpoint,
  denyEndpoint,
  historyEndpoint,
] as ApiEndpoint<never>[];

// Who may reach what: every page, route handler and server action of the app, with the roles allowed.
// e2e/authz-matrix.spec.ts runs every cell for anonymous and every persona, and fails on anything this table does not list.
import type { RoleName } from "../lib/env";

/** Anyone, signed in or not. */
export const PUBLIC = "public" as const;
const EVERY_ROLE: RoleName[] = ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"];
type Allow = typeof PUBLIC | RoleName[];

/** A made-up id: an allowed caller gets past authorization to "not found", and nothing can be written. */
export const MISSING_ID = "authz-matrix-no-such-id";

export interface PageCell {
  /** The route as the file system names it (route groups dropped), e.g. "/requests/[id]". */
  route: string;
  /** What to open; dynamic segments filled with MISSING_ID. */
  visit: string;
  allow: Allow;
  /** What an allowed visitor sees: the page (200), or a not-found page for the made-up id (404). */
  allowedStatus: 200 | 404;
  /** The public sign-in page sends signed-in visitors home. */
  signedInRedirect?: string;
}

export const PAGES: PageCell[] = [
  { route: "/", visit: "/", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/signin", visit: "/signin", allow: PUBLIC, allowedStatus: 200, signedInRedirect: "/" },
  { route: "/forbidden", visit: "/forbidden", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/requests/new", visit: "/requests/new", allow: ["REQUESTER", "ADMIN"], allowedStatus: 200 },
  { route: "/requests/[id]", visit: `/requests/${MISSING_ID}`, allow: EVERY_ROLE, allowedStatus: 404 },
  { route: "/approvals", visit: "/approvals", allow: ["APPROVER", "ADMIN"], allowedStatus: 200 },
  { route: "/audit", visit: "/audit", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/audit/requests/[id]", visit: `/audit/requests/${MISSING_ID}`, allow: EVERY_ROLE, allowedStatus: 404 },
  { route: "/audit/insights", visit: "/audit/insights", allow: ["AUDITOR", "ADMIN"], allowedStatus: 200 },
  { route: "/audit/integrity", visit: "/audit/integrity", allow: ["AUDITOR", "ADMIN"], allowedStatus: 200 },
  { route: "/audit/refusals", visit: "/audit/refusals", allow: ["AUDITOR", "ADMIN"], allowedStatus: 200 },
  { route: "/policy", visit: "/policy", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/admin/drift", visit: "/admin/drift", allow: ["AUDITOR", "ADMIN"], allowedStatus: 200 },
  { route: "/admin/notifications", visit: "/admin/notifications", allow: ["ADMIN"], allowedStatus: 200 },
  { route: "/admin/inventory", visit: "/admin/inventory", allow: ["ADMIN"], allowedStatus: 200 },
  { route: "/access-now", visit: "/access-now", allow: ["AUDITOR", "ADMIN"], allowedStatus: 200 },
  { route: "/device", visit: "/device", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/devices", visit: "/devices", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/admin/sessions", visit: "/admin/sessions", allow: ["ADMIN"], allowedStatus: 200 },
  { route: "/break-glass", visit: "/break-glass", allow: ["APPROVER", "AUDITOR", "ADMIN"], allowedStatus: 200 },
  // Every role reaches the form; the policy's break-glass rules decide who gets anything from it.
  { route: "/break-glass/new", visit: "/break-glass/new", allow: EVERY_ROLE, allowedStatus: 200 },
  { route: "/scorecard", visit: "/scorecard", allow: ["AUDITOR", "ADMIN"], allowedStatus: 200 },
];

export interface RouteCell {
  /** The route handler file's folder as a path, e.g. "/api/auth/[...nextauth]". */
  route: string;
  method: "GET" | "POST";
  /** What to call. */
  call: string;
  allow: Allow;
  /** Expected status for an allowed caller; others get 401 (anonymous) or 403. */
  allowedStatus: number;
}

export const ROUTES: RouteCell[] = [
  { route: "/api/health", method: "GET", call: "/api/health", allow: PUBLIC, allowedStatus: 200 },
  { route: "/api/ready", method: "GET", call: "/api/ready", allow: PUBLIC, allowedStatus: 200 },
  { route: "/api/metrics", method: "GET", call: "/api/metrics", allow: ["ADMIN"], allowedStatus: 200 },
  // Requesters export their own history; the service narrows the rows, not the route.
  {
    route: "/api/audit/export",
    method: "GET",
    call: "/api/audit/export?format=csv",
    allow: EVERY_ROLE,
    allowedStatus: 200,
  },
  // The policy is readable by every role, so is the history of its changes.
  {
    route: "/api/policy/history",
    method: "GET",
    call: "/api/policy/history",
    allow: EVERY_ROLE,
    allowedStatus: 200,
  },
  // The request form's target search answers requesters only, like the form itself.
  {
    route: "/api/request-targets",
    method: "GET",
    call: "/api/request-targets?q=prod",
    allow: ["REQUESTER", "ADMIN"],
    allowedStatus: 200,
  },
  // Before the first snapshot the export is the header line alone, so the cell does not depend on spec order.
  {
    route: "/api/scorecard/export",
    method: "GET",
    call: "/api/scorecard/export",
    allow: ["AUDITOR", "ADMIN"],
    allowedStatus: 200,
  },
  // Slack's signature is the only credential: without it everyone, signed in or not, is refused the same way.
  {
    route: "/api/slack/interactions",
    method: "POST",
    call: "/api/slack/interactions",
    allow: PUBLIC,
    allowedStatus: 401,
  },
  { route: "/api/auth/[...nextauth]", method: "GET", call: "/api/auth/providers", allow: PUBLIC, allowedStatus: 200 },
  // API v1: a bearer token is the only credential (a session cookie is not), so everyone without one gets 401 alike.
  ...(
    [
      ["GET", "/api/v1/me"],
      ["POST", "/api/v1/device/sign-out"],
      ["GET", "/api/v1/targets"],
      ["GET", "/api/v1/requests"],
      ["POST", "/api/v1/requests"],
      ["GET", "/api/v1/requests/[id]"],
      ["POST", "/api/v1/requests/[id]/cancel"],
      ["POST", "/api/v1/requests/[id]/release"],
      ["POST", "/api/v1/requests/[id]/extend"],
      ["POST", "/api/v1/requests/[id]/approve"],
      ["POST", "/api/v1/requests/[id]/deny"],
      ["GET", "/api/v1/approvals"],
      ["GET", "/api/v1/history"],
    ] as const
  ).map(([method, route]) => ({
    route,
    method,
    call: route.replace("[id]", MISSING_ID),
    allow: PUBLIC,
    allowedStatus: 401,
  })),
  // Any other path under /api/v1 is a JSON 404 for everyone.
  { route: "/api/v1/[...path]", method: "GET", call: "/api/v1/no-such-route", allow: PUBLIC, allowedStatus: 404 },
  { route: "/api/v1/[...path]", method: "POST", call: "/api/v1/no/such/route", allow: PUBLIC, allowedStatus: 404 },
  { route: "/api/v1/openapi.json", method: "GET", call: "/api/v1/openapi.json", allow: PUBLIC, allowedStatus: 200 },
  // The device flow's own endpoints take no credential; an empty body is a 400 for everyone.
  { route: "/api/v1/device/code", method: "POST", call: "/api/v1/device/code", allow: PUBLIC, allowedStatus: 400 },
  { route: "/api/v1/device/token", method: "POST", call: "/api/v1/device/token", allow: PUBLIC, allowedStatus: 400 },
  // Auth.js refuses a sign-out without its CSRF token; the spec checks the session survives it.
  { route: "/api/auth/[...nextauth]", method: "POST", call: "/api/auth/signout", allow: PUBLIC, allowedStatus: 302 },
];

export interface ActionCell {
  /** Source file and export as the build's server-reference manifest names them ("$$RSC_SERVER_ACTION_n" for inline actions). */
  file: string;
  exportedName: string;
  /** What the action does, for people reading a failure. */
  purpose: string;
  allow: Allow;
  /** Form fields sent with the made-up target. */
  fields: Record<string, string>;
  /** The coded result an allowed caller gets once past authorization: never FORBIDDEN, never a write. */
  passedCode?: "NOT_FOUND" | "VALIDATION";
  /** Inline actions whose whole effect is a redirect (sign-in, sign-out): an allowed call answers with that redirect. */
  redirectsTo?: RegExp;
}

const target = { requestId: MISSING_ID };

export const ACTIONS: ActionCell[] = [
  {
    file: "app/(portal)/requests/new/actions.ts",
    exportedName: "createRequestAction",
    purpose: "create a request",
    allow: ["REQUESTER", "ADMIN"],
    fields: { durationMinutes: "30", startMode: "now", justification: "authorization matrix probe" },
    passedCode: "VALIDATION",
  },
  {
    file: "app/(portal)/requests/[id]/actions.ts",
    exportedName: "cancelRequestAction",
    purpose: "cancel own request",
    allow: EVERY_ROLE,
    fields: target,
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/requests/[id]/actions.ts",
    exportedName: "releaseRequestAction",
    purpose: "release own grant",
    allow: EVERY_ROLE,
    fields: target,
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/requests/[id]/actions.ts",
    exportedName: "extendRequestAction",
    purpose: "extend own grant",
    allow: EVERY_ROLE,
    fields: { ...target, extraMinutes: "30", justification: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/requests/[id]/actions.ts",
    exportedName: "revokeRequestAction",
    purpose: "revoke a grant",
    allow: ["APPROVER", "ADMIN"],
    fields: { ...target, reason: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/approvals/actions.ts",
    exportedName: "decideRequestAction",
    purpose: "approve or deny a request",
    allow: ["APPROVER", "ADMIN"],
    fields: { ...target, decision: "APPROVE", comment: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/approvals/actions.ts",
    exportedName: "bulkDecideAction",
    purpose: "approve or deny selected requests, each through the decide verb",
    allow: ["APPROVER", "ADMIN"],
    fields: { selected: `${MISSING_ID}@1`, decision: "APPROVE", comment: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/approvals/actions.ts",
    exportedName: "decideExtensionAction",
    purpose: "approve or deny an extension",
    allow: ["APPROVER", "ADMIN"],
    fields: { ...target, decision: "APPROVE", comment: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/admin/drift/actions.ts",
    exportedName: "acceptDriftAction",
    purpose: "accept a drift finding",
    allow: ["ADMIN"],
    fields: { findingId: MISSING_ID, reason: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/admin/drift/actions.ts",
    exportedName: "removeDriftAction",
    purpose: "remove a drift finding's assignment",
    allow: ["ADMIN"],
    fields: { findingId: MISSING_ID, reason: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/admin/drift/actions.ts",
    exportedName: "acknowledgeAlertAction",
    purpose: "acknowledge an alert",
    allow: ["ADMIN"],
    fields: { alertId: MISSING_ID, note: "authorization matrix probe" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/admin/notifications/actions.ts",
    exportedName: "retryDeliveryAction",
    purpose: "retry a dead-lettered notification",
    allow: ["ADMIN"],
    fields: { deliveryId: MISSING_ID },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/admin/inventory/actions.ts",
    exportedName: "refreshInventoryAction",
    purpose: "queue an inventory refresh",
    allow: ["ADMIN"],
    fields: {},
    passedCode: "VALIDATION",
  },
  {
    file: "app/(portal)/scorecard/actions.ts",
    exportedName: "measureScorecardAction",
    purpose: "queue a scorecard measurement",
    allow: ["ADMIN"],
    fields: {},
    passedCode: "VALIDATION",
  },
  {
    file: "app/(portal)/scorecard/actions.ts",
    exportedName: "removeStandingAction",
    purpose: "remove a standing assignment (make it just-in-time)",
    allow: ["ADMIN"],
    fields: {
      accountId: "000000000000",
      permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000000",
      principalType: "USER",
      principalId: MISSING_ID,
      reason: "authorization matrix probe",
    },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/device/actions.ts",
    exportedName: "decideDeviceAction",
    purpose: "approve or deny a device sign-in",
    allow: EVERY_ROLE,
    fields: { userCode: "BCDF-GHJK", decision: "APPROVE" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/device/actions.ts",
    exportedName: "revokeDeviceAction",
    purpose: "sign a device out",
    allow: EVERY_ROLE,
    fields: { tokenId: MISSING_ID },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/(portal)/break-glass/actions.ts",
    exportedName: "breakGlassAction",
    purpose: "emergency access (break-glass)",
    allow: EVERY_ROLE,
    fields: { durationMinutes: "30", justification: "authorization matrix probe" },
    passedCode: "VALIDATION",
  },
  {
    file: "app/(portal)/break-glass/actions.ts",
    exportedName: "reviewBreakGlassAction",
    purpose: "review an emergency access use",
    allow: ["APPROVER", "AUDITOR", "ADMIN"],
    fields: { useId: MISSING_ID, verdict: "JUSTIFIED" },
    passedCode: "NOT_FOUND",
  },
  {
    file: "app/signin/page.tsx",
    exportedName: "$$RSC_SERVER_ACTION_0",
    purpose: "start the OIDC sign-in",
    allow: PUBLIC,
    fields: {},
    redirectsTo: /\/auth|\/interaction|authorize/,
  },
  // Run last for each persona: it ends the session the other cells used.
  {
    file: "app/(portal)/layout.tsx",
    exportedName: "$$RSC_SERVER_ACTION_0",
    purpose: "sign out",
    allow: EVERY_ROLE,
    fields: {},
    redirectsTo: /\/signin/,
  },
];

export function allows(allow: Allow, roles: readonly RoleName[] | null): boolean {
  if (allow === PUBLIC) return true;
  return roles !== null && roles.some((role) => allow.includes(role));
}

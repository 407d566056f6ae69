import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { clientFromHeaders } from "../auth/client-info";
import type { PrismaClient } from "../db";
import { AppError, isAppError, toUserError, type AppErrorCode } from "../domain/errors";
import type { JobQueue } from "../jobs/job-queue";
import { errorFields, log } from "../log";
import { authorize, type Permission } from "../services/authorize";
import { actorForBearer } from "../services/devices/bearer-actor";
import { API_CHANNEL } from "../services/devices/user-actor";
import type { Actor, ServiceContext, UserActor } from "../services/context";
import { withRefusalAudit, type AuditedVerb } from "../services/refusals/with-refusal-audit";
import { jsonDepth, MAX_ARGUMENT_DEPTH, readBodyWithin } from "../web/request-guard";

// One adapter for every /api/v1 route: body limits, bearer sign-in, the verb, refusal audit and the error shape.

export const API_BODY_LIMIT_BYTES = 64 * 1024;
export const SIGN_IN_AGAIN_MESSAGE = "Your sign-in has expired or was revoked; run jit login.";

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SELF_APPROVAL: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  POLICY_DENIED: 422,
  RATE_LIMITED: 429,
  UPSTREAM: 503,
  INTERNAL: 503,
};

export const UNAVAILABLE_MESSAGE = "The portal could not answer just now. Try again in a minute.";

export interface ApiDeps {
  db: PrismaClient;
  queue: () => Promise<JobQueue>;
  now: () => Date;
  appUrl: string;
  tokenTtlMinutes: number;
}

export interface ApiCall<Body> {
  ctx: ServiceContext;
  actor: UserActor;
  /** The bearer token this call came with. */
  tokenId: string;
  body: Body;
  query: Record<string, string>;
  params: Record<string, string>;
  deps: ApiDeps;
  queue: () => Promise<JobQueue>;
}

export interface ApiEndpoint<Body = unknown> {
  method: "GET" | "POST";
  /** OpenAPI path, such as /api/v1/requests/{id}. */
  path: string;
  summary: string;
  /** The name its refusals are audited under. */
  verb: AuditedVerb;
  body?: z.ZodType<Body>;
  /** The verb's permission, checked before the body is read so a refusal never depends on what was sent. */
  permission?: Permission;
  /** Query parameters, for the OpenAPI document; the verb parses them. */
  query?: z.ZodObject;
  /** Verb field names shown under the API's names (extraMinutes → minutes). */
  fieldNames?: Record<string, string>;
  run(call: ApiCall<Body>): Promise<{ status?: number; body: unknown }>;
}

/** Our error shape: one message per field. */
export function errorResponse(
  error: unknown,
  fieldNames: Record<string, string> = {},
  statusOverride?: number,
): Response {
  const safe = toUserError(error);
  const status = statusOverride ?? HTTP_STATUS[safe.code];
  const message = status === 503 ? UNAVAILABLE_MESSAGE : safe.message;
  const fields = safe.fieldErrors
    ? Object.fromEntries(
        Object.entries(safe.fieldErrors).map(([name, messages]) => [fieldNames[name] ?? name, messages.join(" ")]),
      )
    : undefined;
  return jsonResponse({ error: { code: safe.code, message, ...(fields ? { fields } : {}) } }, status);
}

export function jsonResponse(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** A JSON object or a form-encoded body, at most 64 KiB; anything else is a VALIDATION error (413 when too large). */
export async function readApiBody(request: Request): Promise<Record<string, unknown>> {
  const bytes = await readBodyWithin(request, API_BODY_LIMIT_BYTES);
  if (bytes === "too-large")
    throw new AppError("VALIDATION", `The body is larger than ${API_BODY_LIMIT_BYTES / 1024} KiB and was not read.`, {
      detail: "too-large",
    });
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.trim() === "") return {};
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  if (jsonDepth(text) > MAX_ARGUMENT_DEPTH) throw new AppError("VALIDATION", "The JSON body is nested too deeply.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError(
      "VALIDATION",
      "The body is not valid JSON. Send a JSON object with Content-Type: application/json.",
    );
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new AppError("VALIDATION", "The body must be a JSON object.");
  return parsed as Record<string, unknown>;
}

/** Checks a body against the endpoint's wire schema; field errors are named by their path (targets.0.accountId). */
export function parseBody<Body>(schema: z.ZodType<Body>, body: unknown): Body {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) (fieldErrors[issue.path.join(".") || "body"] ??= []).push(issue.message);
  throw new AppError("VALIDATION", "Some fields need attention.", { fieldErrors });
}

export const isTooLarge = (error: unknown) => isAppError(error) && error.detail === "too-large";

/** Runs one endpoint for one HTTP request; never answers 500. */
export async function handleApiCall<Body>(
  endpoint: ApiEndpoint<Body>,
  deps: ApiDeps,
  request: Request,
  params: Record<string, string> = {},
): Promise<Response> {
  const client = clientFromHeaders(request.headers);
  const anonymous: Actor = { type: "anonymous", ip: client.ip, userAgent: API_CHANNEL };
  const ctx: ServiceContext = { actor: anonymous, db: deps.db, now: deps.now };
  try {
    const bearer = await actorForBearer(deps.db, request.headers.get("authorization"), client.ip, deps.now());
    if (bearer) ctx.actor = bearer.actor;
    const result = await withRefusalAudit(endpoint.verb, ctx, params.id ?? null, async () => {
      if (!bearer) throw new AppError("UNAUTHENTICATED", SIGN_IN_AGAIN_MESSAGE);
      const { actor, tokenId } = bearer;
      if (endpoint.permission) authorize(actor, endpoint.permission);
      const raw = endpoint.method === "POST" ? await readApiBody(request) : {};
      const body = endpoint.body ? parseBody(endpoint.body, raw) : (raw as Body);
      const query = Object.fromEntries(new URL(request.url).searchParams);
      return endpoint.run({ ctx, actor, tokenId, body, query, params, deps, queue: deps.queue });
    });
    return jsonResponse(result.body, result.status ?? 200);
  } catch (error) {
    if (isTooLarge(error)) return errorResponse(error, {}, 413);
    if (!isAppError(error))
      log.error(
        { requestId: randomUUID(), route: endpoint.path, method: endpoint.method, err: errorFields(error) },
        "unexpected error in an API route",
      );
    return errorResponse(error, endpoint.fieldNames);
  }
}

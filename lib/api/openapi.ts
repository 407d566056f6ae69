import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { BEARER_ENDPOINTS } from "./endpoints";
import { HTTP_STATUS, type ApiEndpoint } from "./handle-api";
import {
  ApiError,
  DeviceCodeAnswer,
  DeviceCodeBody,
  DeviceTokenAnswer,
  DeviceTokenBody,
  DeviceTokenError,
  GroupTarget,
  HistoryItem,
  Me,
  RequestId,
  RequestView,
  Target,
} from "./schemas";

// The document is derived from the endpoint table and its zod schemas, so a route cannot exist without its entry.

const ANSWERS: Record<string, z.ZodType> = {
  "GET /api/v1/me": Me,
  "GET /api/v1/targets": z.object({
    targets: z.array(Target),
    groups: z.array(GroupTarget),
    message: z.string().optional(),
  }),
  "GET /api/v1/requests": z.object({ requests: z.array(RequestView) }),
  "GET /api/v1/approvals": z.object({ requests: z.array(RequestView) }),
  "GET /api/v1/history": z.object({ requests: z.array(HistoryItem), nextCursor: z.string().nullable() }),
};

const json = (schema: z.ZodType) => ({ "application/json": { schema } });
const errorAnswers = Object.fromEntries(
  [...new Set(Object.values(HTTP_STATUS))].map((status) => [
    String(status),
    { description: `Error (see docs/api.md for the code per status)`, content: json(ApiError) },
  ]),
);

/** getRequestsById, postRequestsByIdCancel: the method and the path after /api/v1, camel-cased. */
function operationId(endpoint: ApiEndpoint<never>): string {
  const words = endpoint.path
    .replace("/api/v1/", "")
    .replace("{id}", "by-id")
    .split(/[^a-zA-Z]+/);
  return endpoint.method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

function operation(endpoint: ApiEndpoint<never>): ZodOpenApiOperationObject {
  const answer = ANSWERS[`${endpoint.method} ${endpoint.path}`] ?? z.object({ request: RequestView });
  const created = endpoint.method === "POST" && endpoint.path === "/api/v1/requests";
  return {
    summary: endpoint.summary,
    operationId: operationId(endpoint),
    security: [{ bearer: [] }],
    ...(endpoint.path.includes("{id}") || endpoint.query
      ? {
          requestParams: {
            ...(endpoint.path.includes("{id}") ? { path: z.object({ id: RequestId }) } : {}),
            ...(endpoint.query ? { query: endpoint.query } : {}),
          },
        }
      : {}),
    ...(endpoint.body ? { requestBody: { content: json(endpoint.body) } } : {}),
    responses: {
      [created ? "201" : "200"]: { description: "OK", content: json(answer) },
      ...(endpoint.method === "POST" ? { "413": { description: "Body over 64 KiB", content: json(ApiError) } } : {}),
      ...errorAnswers,
    },
  };
}

export function apiDocument(appUrl: string) {
  const paths: ZodOpenApiPathsObject = {
    "/api/v1/device/code": {
      post: {
        summary: "Start a device sign-in (RFC 8628 section 3.1); no token needed",
        operationId: "postDeviceCode",
        requestBody: {
          content: { ...json(DeviceCodeBody), "application/x-www-form-urlencoded": { schema: DeviceCodeBody } },
        },
        responses: {
          "200": { description: "Codes to show", content: json(DeviceCodeAnswer) },
          "400": { description: "Bad input", content: json(ApiError) },
        },
      },
    },
    "/api/v1/device/token": {
      post: {
        summary: "Poll for the token (RFC 8628 section 3.4)",
        operationId: "postDeviceToken",
        requestBody: {
          content: { ...json(DeviceTokenBody), "application/x-www-form-urlencoded": { schema: DeviceTokenBody } },
        },
        responses: {
          "200": { description: "The bearer token, once", content: json(DeviceTokenAnswer) },
          "400": { description: "Not (yet) issued", content: json(DeviceTokenError) },
        },
      },
    },
    "/api/v1/openapi.json": {
      get: {
        summary: "This document",
        operationId: "getOpenapi",
        responses: { "200": { description: "OpenAPI 3.1" } },
      },
    },
  };
  for (const endpoint of BEARER_ENDPOINTS) {
    const item = (paths[endpoint.path] ??= {});
    item[endpoint.method === "GET" ? "get" : "post"] = operation(endpoint);
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "JIT Access Portal API",
      version: "1",
      description:
        "Sign in with `jit login` (device authorization grant), then send `Authorization: Bearer <token>`. See docs/api.md.",
    },
    servers: [{ url: appUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    paths,
  });
}

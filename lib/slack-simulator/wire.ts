// Slack Web API request parsing: query, form-urlencoded (JSON-string fields) or JSON body; token from header then field.
import type { IncomingHttpHeaders } from "node:http";

export type ApiArgs = Record<string, unknown>;

// @slack/web-api JSON.stringify-es objects and arrays into one form field each.
const JSON_FIELDS = new Set(["blocks", "view", "metadata", "attachments"]);

export interface ParsedApiRequest {
  token: string | undefined;
  args: ApiArgs;
  /** The body claimed JSON but did not parse. */
  invalidJson: boolean;
}

function fromForm(params: URLSearchParams, into: ApiArgs) {
  for (const [key, value] of params) {
    if (JSON_FIELDS.has(key)) {
      try {
        into[key] = JSON.parse(value);
      } catch {
        // Kept as a string: the method answers invalid_blocks / invalid_arguments.
        into[key] = value;
      }
    } else into[key] = value;
  }
}

export function parseApiRequest(headers: IncomingHttpHeaders, query: string, rawBody: string): ParsedApiRequest {
  const args: ApiArgs = {};
  fromForm(new URLSearchParams(query), args);
  const contentType = String(headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  let invalidJson = false;
  if (contentType === "application/json" && rawBody.trim() !== "") {
    try {
      const body: unknown = JSON.parse(rawBody);
      if (body && typeof body === "object" && !Array.isArray(body)) Object.assign(args, body);
      else invalidJson = true;
    } catch {
      invalidJson = true;
    }
  } else if (rawBody !== "") {
    fromForm(new URLSearchParams(rawBody), args);
  }
  const authorization = headers.authorization;
  const bearer = typeof authorization === "string" ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
  const field = typeof args.token === "string" && args.token !== "" ? args.token : undefined;
  return { token: bearer ?? field, args, invalidJson };
}

export const stringArg = (args: ApiArgs, name: string): string | undefined => {
  const value = args[name];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
};

/** Form fields arrive as "true"/"false"/"1"/"0"; JSON bodies as booleans. */
export const flagArg = (args: ApiArgs, name: string): boolean => {
  const value = args[name];
  return value === true || value === "true" || value === "1" || value === 1;
};

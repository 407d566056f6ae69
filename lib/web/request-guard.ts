import { clientFromHeaders } from "../auth/client-info";
import { getPrisma } from "../db";
import { getEnv } from "../env";
import { errorFields, log } from "../log";
import { recordRefusal } from "../services/refusals/record-refusal";
import { isForeignOriginMutation } from "./security-headers";

// Checks proxy.ts makes before Next reads a POST: Next answers both of these with a bare HTTP 500 of its own.

/** Next's default serverActions.bodySizeLimit ("1 MB" = 1024 × 1024 bytes); every form of the portal is far smaller. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const BODY_TOO_LARGE_MESSAGE = "The form is larger than 1 MB and was not read. Shorten it and try again.";
export const UNREADABLE_ACTION_MESSAGE = "This form could not be read. Reload the page and try again.";
export const CROSS_SITE_MESSAGE = "This form was sent from another site and was refused.";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** The body's bytes, or "too-large": the declared size decides when there is one (Node rejects a body longer than its Content-Length), a chunked body is counted. */
export async function readBodyWithin(
  request: Request,
  limit = BODY_LIMIT_BYTES,
): Promise<Uint8Array<ArrayBuffer> | "too-large"> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared.trim()) || Number(declared) > limit)) return "too-large";
  if (!request.body) return new Uint8Array(0);
  // Proxy reads a copy of the body that Next buffers anyway; stop as soon as the limit is passed.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return "too-large";
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export async function bodyExceedsLimit(request: Request, limit = BODY_LIMIT_BYTES): Promise<boolean> {
  if (!BODY_METHODS.has(request.method)) return false;
  return (await readBodyWithin(request, limit)) === "too-large";
}

/** JSON nesting deeper than this is refused before React's recursive decoder overflows the stack on it. */
export const MAX_ARGUMENT_DEPTH = 64;

/** Nesting depth of JSON text, counted without recursion (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") deepest = Math.max(deepest, ++depth);
    else if (c === "]" || c === "}") depth--;
  }
  return deepest;
}

/** Server action arguments are a JSON array (the whole text body, or the multipart root field "0"), with bounded nesting in every JSON part. */
// React reply references that name another numbered body part: "$1", "$Q2" (Map), "$@3" (promise)… K names a form-field
// prefix, n a bigint, D a date and T a temporary reference, so those point at no part.
const PART_REFERENCE = /^\$(?![KnDT])([A-Za-z@]?)([0-9a-f]+)$/;

function parseArgumentPart(text: string): { value: unknown } | null {
  if (jsonDepth(text) > MAX_ARGUMENT_DEPTH) return null;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

/** The numbered parts a decoded argument value refers to, walked without recursion. */
function referencedParts(root: unknown): Set<string> {
  const found = new Set<string>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      const match = PART_REFERENCE.exec(value);
      if (match) found.add(String(parseInt(match[2]!, 16)));
    } else if (value && typeof value === "object") pending.push(...Object.values(value));
  }
  return found;
}

/**
 * Server action arguments are a JSON array (the whole text body, or the multipart root field "0") with bounded nesting,
 * every numbered part valid JSON, and every part a reference names present: React's decoder throws otherwise.
 */
export async function actionBodyIsReadable(contentType: string, body: Uint8Array<ArrayBuffer>): Promise<boolean> {
  // Next's own test, case-sensitive: anything else it decodes as JSON text.
  if (!contentType.startsWith("multipart/form-data")) {
    const root = parseArgumentPart(new TextDecoder().decode(body));
    return root !== null && Array.isArray(root.value) && referencedParts(root.value).size === 0;
  }
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch {
    return false;
  }
  const rootText = form.get("0");
  if (typeof rootText !== "string") return false;
  const root = parseArgumentPart(rootText);
  if (root === null || !Array.isArray(root.value)) return false;
  const references = referencedParts(root.value);
  // Numbered fields are further JSON parts; form fields are prefixed (1_name) and never parsed as JSON.
  for (const [name, value] of form.entries()) {
    if (!/^\d+$/.test(name) || name === "0" || typeof value !== "string") continue;
    const part = parseArgumentPart(value);
    if (part === null) return false;
    for (const id of referencedParts(part.value)) references.add(id);
  }
  return [...references].every((id) => form.has(id));
}

// One cross-site audit write in flight per process; a burst meanwhile is counted here and recorded as one weighted refusal,
// so a flood of forged posts neither waits on the refusal row nor holds database connections.
let crossSiteInFlight = false;
let crossSitePending: { headers: Headers; weight: number } | null = null;

function auditCrossSite(headers: Headers) {
  if (crossSiteInFlight) {
    crossSitePending = { headers, weight: (crossSitePending?.weight ?? 0) + 1 };
    return;
  }
  crossSiteInFlight = true;
  void recordCrossSite(headers, 1);
}

async function recordCrossSite(headers: Headers, weight: number): Promise<void> {
  await recordRefusal(
    { actor: { type: "anonymous", ...clientFromHeaders(headers) }, db: getPrisma(), now: () => new Date() },
    { verb: "server-action", target: headers.get("origin"), code: "FORBIDDEN", reason: CROSS_SITE_MESSAGE, weight },
  ).catch((error: unknown) =>
    log.error({ verb: "server-action", weight, err: errorFields(error) }, "could not audit a cross-site action"),
  );
  const next = crossSitePending;
  crossSitePending = null;
  if (next) await recordCrossSite(next.headers, next.weight);
  else crossSiteInFlight = false;
}

/** Resolves once every cross-site refusal seen so far is in the audit trail (for tests). */
export async function crossSiteAuditsSettled(): Promise<void> {
  while (crossSiteInFlight) await new Promise((resolve) => setTimeout(resolve, 5));
}

function refusal(status: number, code: string, message: string): Response {
  return Response.json({ ok: false, code, message }, { status, headers: { "cache-control": "no-store" } });
}

/** Null to let the request through; otherwise the answer (413 or 403), with a cross-site attempt recorded as a refusal. */
export async function guardRequest(request: Request): Promise<Response | null> {
  // Next compares Origin with X-Forwarded-Host, which a misconfigured proxy may pass through: pin it to APP_URL here.
  if (isForeignOriginMutation(request.method, request.headers.get("origin"), getEnv().APP_URL)) {
    // The session is not read here: the cookie a cross-site form carries is the victim's, not the sender's.
    auditCrossSite(request.headers);
    return refusal(403, "FORBIDDEN", CROSS_SITE_MESSAGE);
  }
  if (!BODY_METHODS.has(request.method)) return null;
  const body = await readBodyWithin(request);
  if (body === "too-large") return refusal(413, "VALIDATION", BODY_TOO_LARGE_MESSAGE);
  // Next would throw a TypeError or overflow the stack decoding these arguments, answering 500 before any app code runs.
  if (
    request.headers.has("next-action") &&
    !(await actionBodyIsReadable(request.headers.get("content-type") ?? "", body))
  )
    return refusal(400, "VALIDATION", UNREADABLE_ACTION_MESSAGE);
  return null;
}

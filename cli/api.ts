import { z } from "zod";
// The portal's own wire schemas, so the CLI and the routes cannot drift apart.
import { ApiError, GroupTarget, Me, RequestView as PortalRequestView, Target } from "../lib/api/schemas";
import { CliError, EXIT, exitCodeForApiError } from "./errors";

export type Fetch = typeof globalThis.fetch;

// A portal from before group targets answers without groups: read that as none.
const RequestView = PortalRequestView.extend({ groups: PortalRequestView.shape.groups.default([]) });
export { Me, RequestView };
export type RequestView = z.infer<typeof RequestView>;
export const Targets = z.object({
  targets: z.array(Target),
  groups: z.array(GroupTarget).default([]),
  message: z.string().optional(),
});
export const OneRequest = z.object({ request: RequestView });
export const RequestList = z.object({ requests: z.array(RequestView) });
export const SignedOut = z.object({ signedOut: z.string() });

// The API's body fields under the names of the flags that fill them.
const FIELD_FLAGS: Record<string, string> = {
  durationMinutes: "--for",
  justification: "--reason",
  ticket: "--ticket",
  startsAt: "--start",
  targets: "--account/--permission-set",
  groups: "--group",
  minutes: "--by",
  comment: "--comment",
};

const flagFor = (field: string) => FIELD_FLAGS[field.split(".")[0]!] ?? field;

const MISUNDERSTOOD = "The portal answered in a way this version of jit does not understand; update jit.";

/** Reads a JSON response or turns the portal's error shape into a CliError with its exit code. */
export async function readResponse<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // A proxy's HTML page, for example: handled below by status.
  }
  if (!response.ok) {
    const parsed = ApiError.safeParse(body);
    if (!parsed.success)
      throw new CliError(EXIT.other, `The portal answered HTTP ${response.status} without an explanation.`);
    const { code, message, fields } = parsed.data.error;
    const details = Object.entries(fields ?? {}).map(([field, problem]) => `  ${flagFor(field)}: ${problem}`);
    throw new CliError(exitCodeForApiError(code), [message, ...details].join("\n"), code);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new CliError(EXIT.other, MISUNDERSTOOD);
  return parsed.data;
}

export async function send(fetchImpl: Fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchImpl(url, { ...init, signal: AbortSignal.timeout(30_000), redirect: "error" });
  } catch {
    throw new CliError(
      EXIT.other,
      `Could not reach the portal at ${new URL(url).origin}. Is the address right and the portal up?`,
    );
  }
}

/** Calls /api/v1 with the bearer token; the token goes only into the Authorization header. */
export class PortalApi {
  constructor(
    readonly portal: string,
    private readonly token: string,
    private readonly fetchImpl: Fetch,
  ) {}

  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return readResponse(await send(this.fetchImpl, this.url(path), { headers: this.headers() }), schema);
  }

  async post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const init = {
      method: "POST",
      headers: { ...this.headers(), "content-type": "application/json" },
      body: JSON.stringify(body),
    };
    return readResponse(await send(this.fetchImpl, this.url(path), init), schema);
  }

  private url(path: string) {
    return `${this.portal}/api/v1${path}`;
  }

  private headers() {
    return { authorization: `Bearer ${this.token}`, accept: "application/json", "user-agent": "jit-cli" };
  }
}

import { z } from "zod";
import { CliError, EXIT, exitCodeForApiError } from "./errors";

export type Fetch = typeof globalThis.fetch;

const ApiErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  }),
});

export const Me = z.looseObject({
  id: z.string(),
  email: z.string(),
  name: z.string().nullish(),
  roles: z.array(z.string()),
});
export type Me = z.infer<typeof Me>;

export const Target = z.looseObject({
  accountId: z.string(),
  accountName: z.string(),
  permissionSetName: z.string(),
  permissionSetArn: z.string(),
  maxDurationMinutes: z.number(),
  approval: z.enum(["auto", "required"]),
  ticketRequired: z.boolean(),
  ticketHint: z
    .string()
    .nullish()
    .transform((hint) => hint ?? undefined),
});
export const Targets = z.object({ targets: z.array(Target) });

export const RequestView = z.looseObject({
  id: z.string(),
  status: z.string(),
  version: z.number().optional(),
  requester: z.looseObject({ email: z.string(), name: z.string().nullish() }).optional(),
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  durationMinutes: z.number().nullish(),
  justification: z.string().nullish(),
  ticket: z.string().nullish(),
  targets: z.array(
    z.looseObject({
      accountId: z.string(),
      accountName: z.string(),
      permissionSetName: z.string(),
      permissionSetArn: z.string().optional(),
      grantStatus: z.string().nullish(),
    }),
  ),
  approvals: z.unknown().optional(),
  requiredApprovals: z.number().nullish(),
  url: z.string().nullish(),
});
export type RequestView = z.infer<typeof RequestView>;
export const OneRequest = z.object({ request: RequestView });
export const RequestList = z.object({ requests: z.array(RequestView) });

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
    const parsed = ApiErrorBody.safeParse(body);
    if (!parsed.success)
      throw new CliError(EXIT.other, `The portal answered HTTP ${response.status} without an explanation.`);
    const { code, message, fields } = parsed.data.error;
    const details = Object.entries(fields ?? {}).map(
      ([field, problem]) => `  ${field}: ${Array.isArray(problem) ? problem.join(" ") : problem}`,
    );
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

// What the receiver records per delivery, how it checks the Standard Webhooks signature, and what each mode answers.
import { Webhook } from "standardwebhooks";

export const ENDPOINT_MODES = ["ok", "fail-500", "fail-410", "timeout", "flaky"] as const;
export type EndpointMode = (typeof ENDPOINT_MODES)[number];
export const isEndpointMode = (value: unknown): value is EndpointMode => ENDPOINT_MODES.includes(value as EndpointMode);

export interface ReceiverEndpoint {
  name: string;
  /** `whsec_` + base64, as configured in the portal's WEBHOOK_ENDPOINTS. */
  secret: string;
  mode: EndpointMode;
  /** flaky: attempts 1..flakyFailures of each webhook-id answer 500, later ones 204. */
  flakyFailures?: number;
}

export const DEFAULT_FLAKY_FAILURES = 2;

export interface Delivery {
  /** Arrival order, 1-based. */
  seq: number;
  endpoint: string;
  webhookId: string | null;
  /** The webhook-timestamp header as sent (Unix seconds), null when missing. */
  timestamp: string | null;
  verified: boolean;
  /** Why verification failed (the library's message), null when verified. */
  failure: string | null;
  type: string | null;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  receivedAt: string;
  /** 1 for the first delivery of this webhook-id to this endpoint, 2 for the first repeat, ... */
  attempt: number;
  /** seq of the first delivery with this webhook-id, when this one is a repeat. */
  repeatOf: number | null;
  mode: EndpointMode;
  /** The status answered; null while held open (timeout mode). */
  status: number | null;
}

export type Verification = { verified: true; failure: null } | { verified: false; failure: string };

export function verifyDelivery(secret: string, raw: Buffer, headers: Record<string, string>): Verification {
  try {
    // jsonParse off: a signed body that is not JSON is still a verified delivery; parsing is recorded separately.
    new Webhook(secret).verify(raw, headers, { jsonParse: false });
    return { verified: true, failure: null };
  } catch (error) {
    return { verified: false, failure: error instanceof Error ? error.message : String(error) };
  }
}

export function parseBody(raw: Buffer): { body: unknown; type: string | null } {
  const text = raw.toString("utf8");
  try {
    const body: unknown = JSON.parse(text);
    const type = body && typeof body === "object" && "type" in body && typeof body.type === "string" ? body.type : null;
    return { body, type };
  } catch {
    return { body: text, type: null };
  }
}

/** The status a verified delivery gets; null means hold the request open (timeout mode). */
export function answerFor(endpoint: ReceiverEndpoint, attempt: number): number | null {
  switch (endpoint.mode) {
    case "ok":
      return 204;
    case "fail-500":
      return 500;
    case "fail-410":
      return 410;
    case "timeout":
      return null;
    case "flaky":
      return attempt <= (endpoint.flakyFailures ?? DEFAULT_FLAKY_FAILURES) ? 500 : 204;
  }
}

export class DeliveryLog {
  private deliveries: Delivery[] = [];
  private seq = 0;
  revision = 0;

  constructor(private readonly capacity: number) {}

  /** Records a delivery, numbering its attempt among earlier ones with the same webhook-id on the same endpoint. */
  record(entry: Omit<Delivery, "seq" | "attempt" | "repeatOf">): Delivery {
    const earlier = entry.webhookId
      ? this.deliveries.filter(
          (delivery) => delivery.endpoint === entry.endpoint && delivery.webhookId === entry.webhookId,
        )
      : [];
    const delivery: Delivery = {
      ...entry,
      seq: ++this.seq,
      attempt: earlier.length + 1,
      repeatOf: earlier[0]?.seq ?? null,
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > this.capacity) this.deliveries.shift();
    this.revision++;
    return delivery;
  }

  answered(delivery: Delivery, status: number) {
    delivery.status = status;
    this.revision++;
  }

  /** Newest first. */
  list(filter: { endpoint?: string; webhookId?: string } = {}): Delivery[] {
    return this.deliveries
      .filter((delivery) => !filter.endpoint || delivery.endpoint === filter.endpoint)
      .filter((delivery) => !filter.webhookId || delivery.webhookId === filter.webhookId)
      .reverse();
  }

  clear() {
    this.deliveries = [];
    this.revision++;
  }
}

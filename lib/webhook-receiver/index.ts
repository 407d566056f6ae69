// Local webhook receiver: verifies each delivery with the standardwebhooks package, records it, and answers per
// endpoint mode so the portal's retry, disable and timeout paths can be exercised.
import http from "node:http";
import {
  BodyTooLargeError,
  closeServer,
  listen,
  readRawBody,
  sendJson,
  sendNoContent,
  sendPage,
  urlFor,
} from "../mail-sink/http-kit";
import {
  DeliveryLog,
  answerFor,
  isEndpointMode,
  parseBody,
  verifyDelivery,
  type Delivery,
  type ReceiverEndpoint,
} from "./deliveries";
import { receiverPage } from "./page";

export { ENDPOINT_MODES, type Delivery, type EndpointMode, type ReceiverEndpoint } from "./deliveries";

export interface StartWebhookReceiverOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  endpoints: ReceiverEndpoint[];
}

export interface WebhookReceiverHandle {
  port: number;
  url: string;
  /** `<url>/hooks/<name>`, the URL to configure in the portal. */
  hookUrl(name: string): string;
  deliveries(filter?: { endpoint?: string; webhookId?: string }): Delivery[];
  setMode(name: string, mode: ReceiverEndpoint["mode"], flakyFailures?: number): void;
  clear(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DELIVERY_CAPACITY = 1000;
/** timeout mode holds a request this long, well past the portal's 15 s limit, before answering 504. */
export const TIMEOUT_HOLD_MS = 45_000;

export async function startWebhookReceiver(options: StartWebhookReceiverOptions): Promise<WebhookReceiverHandle> {
  const host = options.host ?? "127.0.0.1";
  const endpoints = new Map(options.endpoints.map((endpoint) => [endpoint.name, { ...endpoint }]));
  const log = new DeliveryLog(DELIVERY_CAPACITY);
  const heldOpen = new Set<NodeJS.Timeout>();

  function setMode(name: string, mode: ReceiverEndpoint["mode"], flakyFailures?: number) {
    const endpoint = endpoints.get(name);
    if (!endpoint) throw new Error(`no endpoint ${name}`);
    endpoint.mode = mode;
    if (flakyFailures !== undefined) endpoint.flakyFailures = flakyFailures;
    log.revision++;
  }

  function hold(delivery: Delivery, response: http.ServerResponse) {
    const timer = setTimeout(() => {
      heldOpen.delete(timer);
      log.answered(delivery, 504);
      if (!response.destroyed) sendJson(response, 504, { error: "held open by timeout mode" });
    }, TIMEOUT_HOLD_MS);
    heldOpen.add(timer);
  }

  async function receive(name: string, request: http.IncomingMessage, response: http.ServerResponse) {
    const endpoint = endpoints.get(name);
    const raw = await readRawBody(request, MAX_BODY_BYTES);
    if (!endpoint) return sendJson(response, 404, { error: `no endpoint ${name}` });
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([key, value]) => [
        key,
        Array.isArray(value) ? value.join(" ") : (value ?? ""),
      ]),
    );
    const verification = verifyDelivery(endpoint.secret, raw, headers);
    const delivery = log.record({
      endpoint: name,
      webhookId: headers["webhook-id"] || null,
      timestamp: headers["webhook-timestamp"] || null,
      ...verification,
      ...parseBody(raw),
      receivedAt: new Date().toISOString(),
      mode: endpoint.mode,
      status: null,
    });
    const status = verification.verified ? answerFor(endpoint, delivery.attempt) : 401;
    if (status === null) return hold(delivery, response);
    log.answered(delivery, status);
    if (status === 204) return sendNoContent(response);
    sendJson(response, status, { error: verification.failure ?? `endpoint mode ${endpoint.mode}` });
  }

  async function control(name: string, request: http.IncomingMessage, response: http.ServerResponse) {
    const raw = await readRawBody(request, 64 * 1024);
    if (!endpoints.has(name)) return sendJson(response, 404, { error: `no endpoint ${name}` });
    let patch: { mode?: unknown; flakyFailures?: unknown };
    try {
      patch = JSON.parse(raw.toString("utf8")) as typeof patch;
    } catch {
      return sendJson(response, 400, { error: "body must be JSON {mode, flakyFailures?}" });
    }
    const flaky = patch?.flakyFailures;
    if (!isEndpointMode(patch?.mode) || (flaky !== undefined && !(Number.isInteger(flaky) && (flaky as number) >= 0)))
      return sendJson(response, 400, { error: "mode must be ok, fail-500, fail-410, timeout or flaky" });
    setMode(name, patch.mode, flaky as number | undefined);
    sendJson(response, 200, publicEndpoint(endpoints.get(name)!));
  }

  async function route(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? "/", "http://receiver");
    const method = request.method ?? "GET";
    const hook = /^\/hooks\/([^/]+)$/.exec(url.pathname);
    // POST /hooks/<name> - a webhook delivery
    if (method === "POST" && hook) return receive(decodeURIComponent(hook[1]!), request, response);
    const controlRoute = /^\/_control\/endpoints\/([^/]+)$/.exec(url.pathname);
    // POST /_control/endpoints/<name> - switch the mode at runtime
    if (method === "POST" && controlRoute) return control(decodeURIComponent(controlRoute[1]!), request, response);
    await readRawBody(request, 64 * 1024);
    if (method === "GET" && url.pathname === "/")
      return sendPage(response, 200, receiverPage([...endpoints.values()], log.list(), log.revision));
    const filter = {
      endpoint: url.searchParams.get("endpoint") ?? undefined,
      webhookId: url.searchParams.get("webhookId") ?? undefined,
    };
    // GET /api/deliveries?endpoint=&webhookId= - newest first
    if (method === "GET" && url.pathname === "/api/deliveries") return sendJson(response, 200, log.list(filter));
    if (method === "DELETE" && url.pathname === "/api/deliveries") {
      log.clear();
      return sendJson(response, 200, { deleted: true });
    }
    if (method === "GET" && url.pathname === "/api/endpoints")
      return sendJson(response, 200, [...endpoints.values()].map(publicEndpoint));
    if (method === "GET" && url.pathname === "/api/revision")
      return sendJson(response, 200, { revision: log.revision });
    if (url.pathname === "/favicon.ico") return sendNoContent(response);
    sendJson(response, 404, { error: "not found" });
  }

  const server = http.createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof BodyTooLargeError) return sendJson(response, 413, { error: "body too large" });
      sendJson(response, 400, { error: "bad request" });
    });
  });
  const port = await listen(server, options.port, host);
  const url = urlFor(host, port);

  return {
    port,
    url,
    hookUrl: (name) => `${url}/hooks/${encodeURIComponent(name)}`,
    deliveries: (filter) => log.list(filter),
    setMode,
    clear: () => log.clear(),
    close: async () => {
      for (const timer of heldOpen) clearTimeout(timer);
      heldOpen.clear();
      await closeServer(server);
    },
  };
}

// The secret stays out of the API and the page.
const publicEndpoint = ({ name, mode, flakyFailures }: ReceiverEndpoint) => ({ name, mode, flakyFailures });

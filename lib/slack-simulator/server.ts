// One node:http server: the Slack Web API under /api/, response_url under /_response/, /_control, and the dev page at /.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { handleControl } from "./control";
import { handlePage } from "./dev-page";
import { answerResponseUrl, type InteractionOutcome } from "./interactions";
import { SlackSimulatorRuntime, type RuntimeOptions } from "./runtime";
import { parseApiRequest } from "./wire";
import type { ClickInput, SubmitInput } from "./interactions";

const MAX_BODY_BYTES = 1024 * 1024;

export interface StartSlackSimulatorOptions extends RuntimeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface SlackSimulatorHandle {
  /** e.g. http://127.0.0.1:4580 (the dev page). */
  url: string;
  /** What to pass as WebClient's slackApiUrl: `${url}/api/`. */
  apiUrl: string;
  port: number;
  runtime: SlackSimulatorRuntime;
  clickButton(input: ClickInput): Promise<InteractionOutcome>;
  submitView(input: SubmitInput): Promise<InteractionOutcome>;
  close(): Promise<void>;
}

function readBody(request: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: http.ServerResponse, status: number, headers: Record<string, string>, body: string) {
  response.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

const sendJson = (response: http.ServerResponse, status: number, body: unknown) =>
  send(response, status, { "Content-Type": "application/json; charset=utf-8" }, JSON.stringify(body));

function urlFor(host: string, port: number): string {
  const reachableHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost}:${port}`;
}

async function route(runtime: SlackSimulatorRuntime, request: http.IncomingMessage, response: http.ServerResponse) {
  const method = request.method ?? "GET";
  const url = new URL(request.url ?? "/", "http://simulator");
  const body = await readBody(request);
  if (body === undefined) return sendJson(response, 413, { ok: false, error: "request_too_large" });
  const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
  if (apiMethod && (method === "POST" || method === "GET")) {
    const result = await runtime.invoke(apiMethod, parseApiRequest(request.headers, url.search.slice(1), body));
    return send(response, result.status, result.headers, result.body);
  }
  const responseUrlId = /^\/_response\/([0-9a-f]+)$/.exec(url.pathname)?.[1];
  if (responseUrlId && method === "POST") {
    const result = answerResponseUrl(runtime.methodContext(), responseUrlId, body);
    return sendJson(response, result.status, result.body);
  }
  if (url.pathname.startsWith("/_control/")) {
    const result = await handleControl(runtime, method, url.pathname, url.searchParams, body);
    return sendJson(response, result.status, result.body);
  }
  const page = await handlePage(runtime, method, url.pathname, url.searchParams, body);
  if (page) return send(response, page.status, page.headers, page.body);
  sendJson(response, 404, { ok: false, error: "not_found" });
}

export async function startSlackSimulator(options: StartSlackSimulatorOptions): Promise<SlackSimulatorHandle> {
  const host = options.host ?? "127.0.0.1";
  const runtime = new SlackSimulatorRuntime(options);
  const server = http.createServer((request, response) => {
    route(runtime, request, response).catch((error: unknown) => {
      console.error("[slack-simulator] request failed:", error);
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: "simulator_failure" });
      else response.destroy();
    });
  });
  // Outlive the client's pooled sockets so a reused socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = urlFor(host, port);
  runtime.setBaseUrl(url);
  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}/api/`,
    port,
    runtime,
    clickButton: (input) => runtime.clickButton(input),
    submitView: (input) => runtime.submitView(input),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

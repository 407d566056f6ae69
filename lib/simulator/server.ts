// One node:http server: awsJson 1.1 (sso-admin, identitystore, organizations), the query protocol (STS, IAM),
// the access portal's restJson routes (sso), plus /__sim control.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SimulatorConfigError, type SimulatorConfig, type SimulatorConfigPatch } from "./config";
import { handleControl } from "./control";
import { loadStateFile, StateFile } from "./persistence";
import { SimulatorRuntime, type SimulatorStateView } from "./runtime";
import type { DemoSeed } from "./seed";
import type { AssignmentKey } from "./state";

const MAX_BODY_BYTES = 1024 * 1024;

export interface StartSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Persist state to this JSON file and load it on start; omit for an in-memory simulator. */
  statePath?: string;
  config?: SimulatorConfigPatch;
  /** Another organization and identity store than the demo one (benchmarks use thousands of users). */
  seed?: DemoSeed;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  close(): Promise<void>;
  getState(): SimulatorStateView;
  /** Applies a partial config; throws SimulatorConfigError when invalid. */
  setConfig(patch: SimulatorConfigPatch): SimulatorConfig;
  reset(): void;
  /** Adds an assignment out of band (no async operation); false if it already existed. */
  seedAssignment(assignment: AssignmentKey): boolean;
  removeAssignment(assignment: AssignmentKey): boolean;
  /** An access-portal token for an Identity Store user, as POST /__sim/portal-tokens returns. */
  issuePortalToken(userId: string, expiresInSeconds?: number): { accessToken: string; expiresAtMs: number };
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

function sendJson(response: http.ServerResponse, status: number, headers: Record<string, string>, body: string) {
  response.writeHead(status, {
    ...headers,
    // Real wall-clock time: a skewed Date makes the SDK re-sign and retry.
    Date: new Date().toUTCString(),
    "Content-Length": Buffer.byteLength(body),
  });
  response.end(body);
}

function urlFor(host: string, port: number): string {
  const reachableHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost}:${port}`;
}

export async function startSimulator(options: StartSimulatorOptions = {}): Promise<SimulatorHandle> {
  const host = options.host ?? "127.0.0.1";
  const snapshot = options.statePath ? loadStateFile(options.statePath) : undefined;
  let stateFile: StateFile | undefined;
  const runtime = new SimulatorRuntime({
    config: options.config,
    snapshot,
    seed: options.seed,
    onStateChange: () => stateFile?.schedule(),
  });
  if (options.statePath) {
    stateFile = new StateFile(options.statePath, () => runtime.snapshot());
    stateFile.flush();
  }

  const server = http.createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const pathname = (request.url ?? "/").split("?")[0] ?? "/";
      if (pathname.startsWith("/__sim/")) {
        if (body === undefined)
          return sendJson(
            response,
            413,
            { "Content-Type": "application/json" },
            JSON.stringify({ error: "body too large" }),
          );
        const result = handleControl(runtime, request.method ?? "GET", pathname, body);
        return sendJson(response, result.status, { "Content-Type": "application/json" }, JSON.stringify(result.body));
      }
      const portal = await runtime.invokePortal(request.method ?? "GET", request.url ?? "/", request.headers);
      if (portal === "reset") return request.socket.destroy();
      if (portal !== undefined) return sendJson(response, portal.status, portal.headers, portal.body);
      if (request.method !== "POST") {
        return sendJson(
          response,
          405,
          { "Content-Type": "application/json", Allow: "POST" },
          JSON.stringify({ message: "Only POST is supported (awsJson 1.1)" }),
        );
      }
      const target = request.headers["x-amz-target"];
      if (
        target === undefined &&
        String(request.headers["content-type"]).startsWith("application/x-www-form-urlencoded")
      ) {
        const result = await runtime.invokeQuery({
          method: "POST",
          url: request.url ?? "/",
          headers: request.headers,
          body: body ?? "",
        });
        if (result === "reset") return request.socket.destroy();
        return sendJson(response, result.status, result.headers, result.body);
      }
      const result = await runtime.invoke(typeof target === "string" ? target : undefined, body, request.headers);
      if (result === "reset") {
        request.socket.destroy();
        return;
      }
      sendJson(response, result.status, result.headers, result.body);
    })().catch((error: unknown) => {
      console.error("[simulator] request failed:", error);
      if (!response.headersSent)
        sendJson(response, 500, { "Content-Type": "application/json" }, JSON.stringify({ error: "simulator failure" }));
      else response.destroy();
    });
  });
  // Outlive the SDK's pooled sockets so a reused socket is never closed under a request.
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

  let closing: Promise<void> | undefined;
  return {
    url: urlFor(host, port),
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        runtime.stop();
        stateFile?.flush();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    getState: () => runtime.getState(),
    setConfig: (patch) => runtime.setConfig(patch),
    reset: () => runtime.reset(),
    seedAssignment: (assignment) => runtime.seedAssignment(assignment),
    removeAssignment: (assignment) => runtime.removeAssignment(assignment),
    issuePortalToken: (userId, expiresInSeconds) => {
      const { accessToken, expiresAtMs } = runtime.issuePortalToken(userId, expiresInSeconds);
      return { accessToken, expiresAtMs };
    },
  };
}

export { SimulatorConfigError };

import http from "node:http";
import type { AddressInfo } from "node:net";
import { checkMetricsAccess } from "../services/queries/portal-metrics";
import type { PortalMetricsRegistry } from "../metrics/registry";
import { errorFields, log } from "../log";

/** The worker's GET /metrics: its own registry (AWS calls, rate waits, grant steps, queues) behind the METRICS_TOKEN bearer. */
export async function startMetricsServer({
  port,
  host,
  token,
  metrics,
}: {
  port: number;
  host?: string;
  token: string;
  metrics: PortalMetricsRegistry;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        ...headers,
      });
      response.end(body);
    };
    if (request.method !== "GET" || request.url !== "/metrics") return reply(404, "Not found.\n");
    const access = checkMetricsAccess({ authorization: request.headers.authorization ?? "", token, actor: null });
    if (!access.ok)
      return reply(access.status, `${access.message}\n`, { "www-authenticate": 'Bearer realm="metrics"' });
    metrics.registry.metrics().then(
      (text) => reply(200, text, { "content-type": metrics.registry.contentType }),
      (error: unknown) => {
        log.error({ err: errorFields(error) }, "metrics scrape failed");
        reply(503, "Metrics are unavailable right now.\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host ?? "localhost"}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would otherwise hold the shutdown open.
        server.closeAllConnections();
      }),
  };
}

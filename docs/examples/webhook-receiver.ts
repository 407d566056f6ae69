// A minimal receiver for the portal's webhooks: `WEBHOOK_SECRET=whsec_... PORT=8080 npx tsx webhook-receiver.ts`
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

if (!process.env.WEBHOOK_SECRET?.startsWith("whsec_"))
  throw new Error("set WEBHOOK_SECRET to the endpoint's whsec_ secret");
const webhook = new Webhook(process.env.WEBHOOK_SECRET);
const port = Number(process.env.PORT ?? 8080);
const RETRY_WINDOW_MS = 25 * 3600_000; // the portal retries one event for up to 24 hours under the same webhook-id
const seen = new Map<string, number>(); // webhook-id -> first seen (use your database in production)

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const raw = Buffer.concat(chunks); // verify the exact bytes received, before any JSON parsing
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    let event: { type: string; timestamp: string; data: Record<string, unknown> };
    try {
      event = webhook.verify(raw, headers) as typeof event; // signature + 5-minute timestamp tolerance
    } catch (error) {
      const forged = error instanceof WebhookVerificationError;
      response.writeHead(forged ? 401 : 400).end();
      return;
    }
    const id = headers["webhook-id"]!;
    for (const [key, at] of seen) if (Date.now() - at > RETRY_WINDOW_MS) seen.delete(key);
    if (!seen.has(id)) {
      seen.set(id, Date.now());
      // Do the real work here (quickly, or queue it): the portal waits at most 15 s.
      console.log(`${event.type} ${id}`, JSON.stringify(event.data));
    }
    response.writeHead(204).end(); // a repeat is acknowledged too, so the portal stops retrying
  });
});

server.listen(port, "127.0.0.1", () => {
  const { port: bound } = server.address() as AddressInfo; // PORT=0 picks a free port
  console.log(`webhook receiver listening on http://127.0.0.1:${bound}`);
});

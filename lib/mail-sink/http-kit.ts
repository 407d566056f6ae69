// Small node:http helpers shared by the local stand-ins' inspection pages (mail sink, webhook receiver).
import { randomBytes } from "node:crypto";
import type http from "node:http";
import type { AddressInfo } from "node:net";

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export class BodyTooLargeError extends Error {}

/** The raw request bytes; rejects with BodyTooLargeError past maxBytes (the rest is drained, not kept). */
export function readRawBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on("end", () => (size > maxBytes ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks))));
    request.on("error", reject);
  });
}

export function sendJson(response: http.ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  response.end(body);
}

// Also what the pages' favicon request gets, so a browser test sees no failed load in the console.
export const sendNoContent = (response: http.ServerResponse) => void response.writeHead(204).end();

export interface PageParts {
  title: string;
  body: string;
  /** Inline script; runs under a per-response CSP nonce. */
  script?: string;
}

const PAGE_STYLE = `body{font:14px system-ui,sans-serif;margin:1.5rem;color:#111}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:.6rem}
.bad{color:#b00}.good{color:#070}.muted{color:#666}iframe{width:100%;height:32rem;border:1px solid #ccc}`;

export function sendPage(response: http.ServerResponse, status: number, page: PageParts) {
  const nonce = randomBytes(16).toString("base64");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<style>${PAGE_STYLE}</style></head><body>${page.body}${page.script ? `<script nonce="${nonce}">${page.script}</script>` : ""}</body></html>`;
  response.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    "Cache-Control": "no-store",
    // Inline styles from mails are allowed; scripts only with this response's nonce (srcdoc frames inherit this policy).
    "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src * data:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    "X-Content-Type-Options": "nosniff",
  });
  response.end(html);
}

/** Reloads the page when GET `revisionPath` answers a different {revision} than the one the page was rendered at. */
export const autoRefreshScript = (revisionPath: string, revision: number) =>
  `setInterval(async()=>{try{const r=await fetch(${JSON.stringify(revisionPath)});const j=await r.json();if(j.revision!==${revision})location.reload()}catch{}},1000);`;

export function urlFor(host: string, port: number, scheme = "http"): string {
  const reachableHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `${scheme}://${reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost}:${port}`;
}

/** Listens and resolves with the bound port (port 0 picks a free one). */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

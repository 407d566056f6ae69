// Local SMTP sink: a real SMTP server (smtp-server) that parses each mail (mailparser) into an in-memory mailbox,
// plus a web server with the mailbox page and a JSON API for tests.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { closeServer, listen, readRawBody, sendJson, sendNoContent, sendPage, urlFor } from "./http-kit";
import { Mailbox, toStoredMessage, type StoredMessage } from "./mailbox";
import { mailboxPage, messagePage } from "./pages";

export type { StoredMessage } from "./mailbox";

export interface StartMailSinkOptions {
  /** 0 picks a free port. */
  smtpPort: number;
  webPort: number;
  host?: string;
  /** Messages kept; the oldest is dropped beyond this. */
  capacity?: number;
  /** Larger mail is refused with 552. */
  maxMessageBytes?: number;
}

export interface MailSinkHandle {
  smtpPort: number;
  webPort: number;
  /** `smtp://host:port`, usable as nodemailer's transport URL. */
  smtpUrl: string;
  /** The mailbox page. */
  webUrl: string;
  messages(to?: string): StoredMessage[];
  clear(): void;
  close(): Promise<void>;
}

export const DEFAULT_MAIL_CAPACITY = 1000;
export const DEFAULT_MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

class OversizeError extends Error {
  responseCode = 552;
}

export async function startMailSink(options: StartMailSinkOptions): Promise<MailSinkHandle> {
  const host = options.host ?? "127.0.0.1";
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const mailbox = new Mailbox(options.capacity ?? DEFAULT_MAIL_CAPACITY);

  const smtp = new SMTPServer({
    authOptional: true,
    // STARTTLS is off: smtp-server would offer its bundled self-signed certificate, which Node rejects, so a default
    // nodemailer transport (no ignoreTLS) talks plain SMTP to this loopback-only sink and needs no special option.
    disabledCommands: ["STARTTLS"],
    size: maxMessageBytes,
    rejectOversized: true,
    logger: false,
    banner: "local mail sink",
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          if (stream.sizeExceeded) return callback(new OversizeError(`message exceeds ${maxMessageBytes} bytes`));
          mailbox.add(toStoredMessage(session.envelope, mail, new Date()));
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });

  const web = http.createServer((request, response) => {
    void handleWeb(mailbox, request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 400, { error: "bad request" });
      else response.destroy();
    });
  });

  const smtpPort = await new Promise<number>((resolve, reject) => {
    smtp.once("error", reject);
    const server = smtp.listen(options.smtpPort, host, () => {
      smtp.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  // A lost client mid-transaction must not take the sink down.
  smtp.on("error", () => {});
  let webPort: number;
  try {
    webPort = await listen(web, options.webPort, host);
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(resolve));
    throw error;
  }

  return {
    smtpPort,
    webPort,
    smtpUrl: urlFor(host, smtpPort, "smtp"),
    webUrl: urlFor(host, webPort),
    messages: (to) => mailbox.list(to),
    clear: () => mailbox.clear(),
    close: async () => {
      await Promise.all([closeServer(web), new Promise<void>((resolve) => smtp.close(resolve))]);
    },
  };
}

async function handleWeb(mailbox: Mailbox, request: http.IncomingMessage, response: http.ServerResponse) {
  const url = new URL(request.url ?? "/", "http://sink");
  const method = request.method ?? "GET";
  const to = url.searchParams.get("to") ?? undefined;
  await readRawBody(request, 64 * 1024);

  if (method === "GET" && url.pathname === "/")
    return sendPage(response, 200, mailboxPage(mailbox.list(to), to, mailbox.revision));
  const messageRoute = /^\/messages\/([^/]+)$/.exec(url.pathname);
  if (method === "GET" && messageRoute) {
    const message = mailbox.get(decodeURIComponent(messageRoute[1]!));
    if (!message)
      return sendPage(response, 404, { title: "Not found", body: `<p>No such message. <a href="/">Mailbox</a></p>` });
    return sendPage(response, 200, messagePage(message));
  }

  // GET /api/messages?to= - newest first, full messages
  if (method === "GET" && url.pathname === "/api/messages") return sendJson(response, 200, mailbox.list(to));
  // DELETE /api/messages - empty the mailbox
  if (method === "DELETE" && url.pathname === "/api/messages") {
    mailbox.clear();
    return sendJson(response, 200, { deleted: true });
  }
  const apiMessageRoute = /^\/api\/messages\/([^/]+)$/.exec(url.pathname);
  if (method === "GET" && apiMessageRoute) {
    const message = mailbox.get(decodeURIComponent(apiMessageRoute[1]!));
    return message ? sendJson(response, 200, message) : sendJson(response, 404, { error: "no such message" });
  }
  // GET /api/revision - what the pages poll to reload on change
  if (method === "GET" && url.pathname === "/api/revision")
    return sendJson(response, 200, { revision: mailbox.revision });
  if (url.pathname === "/favicon.ico") return sendNoContent(response);
  return sendJson(response, 404, { error: "not found" });
}

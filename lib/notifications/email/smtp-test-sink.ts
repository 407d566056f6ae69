import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server on loopback for tests: nodemailer talks the wire protocol to it, mailparser reads what arrived.

export interface ReceivedMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

export interface SmtpTestSink {
  port: number;
  inbox: ReceivedMail[];
  /** Resolves once `count` messages have arrived (a pooled transport answers before the sink has parsed the data). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** Recipients whose local part says how the server answers RCPT TO: `reject-550@…`, `busy-451@…`. */
function rcptReply(address: string): { code: number; message: string } | null {
  const match = /^(?:reject|busy)-(\d{3})@/i.exec(address);
  if (!match) return null;
  const code = Number(match[1]);
  return { code, message: code >= 500 ? "5.1.1 No such user here" : "4.2.1 Try again later" };
}

export async function startSmtpTestSink({
  starttls = false,
  credentials,
}: { starttls?: boolean; credentials?: { user: string; pass: string } } = {}): Promise<SmtpTestSink> {
  const inbox: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: starttls ? [] : ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (credentials && (auth.username !== credentials.user || auth.password !== credentials.pass))
        return callback(Object.assign(new Error("5.7.8 Authentication failed"), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const reply = rcptReply(address.address);
      if (reply) return callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          inbox.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
          for (const wake of waiters.splice(0)) wake();
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    inbox,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (inbox.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} messages, the sink has ${inbox.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return inbox.slice(0, count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// The sink's in-memory mailbox: newest first, capped, filterable by envelope recipient.
import { randomUUID } from "node:crypto";
import type { AddressObject, ParsedMail } from "mailparser";

export interface StoredMessage {
  id: string;
  envelope: { from: string | null; to: string[] };
  /** Header names lower-cased; a header that occurs more than once is joined with newlines. */
  headers: Record<string, string>;
  messageId: string | null;
  from: string | null;
  to: string | null;
  cc: string | null;
  subject: string;
  text: string | null;
  html: string | null;
  receivedAt: string;
}

export interface Envelope {
  mailFrom: { address: string } | false;
  rcptTo: { address: string }[];
}

const addressText = (value: AddressObject | AddressObject[] | undefined) =>
  value === undefined ? null : (Array.isArray(value) ? value : [value]).map((address) => address.text).join(", ");

// headerLines keep the raw "Name: value" lines, so unparsed and repeated headers survive as sent.
function headerRecord(lines: ParsedMail["headerLines"]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    headers[key] = key in headers ? `${headers[key]}\n${value}` : value;
  }
  return headers;
}

export function toStoredMessage(envelope: Envelope, mail: ParsedMail, receivedAt: Date): StoredMessage {
  return {
    id: randomUUID(),
    envelope: {
      from: envelope.mailFrom ? envelope.mailFrom.address : null,
      to: envelope.rcptTo.map((recipient) => recipient.address),
    },
    headers: headerRecord(mail.headerLines),
    messageId: mail.messageId ?? null,
    from: addressText(mail.from),
    to: addressText(mail.to),
    cc: addressText(mail.cc),
    subject: mail.subject ?? "",
    text: mail.text ?? null,
    html: mail.html || null,
    receivedAt: receivedAt.toISOString(),
  };
}

export class Mailbox {
  private messages: StoredMessage[] = [];
  /** Bumped on every change so open pages know to reload. */
  revision = 0;

  constructor(private readonly capacity: number) {}

  add(message: StoredMessage) {
    this.messages.unshift(message);
    if (this.messages.length > this.capacity) this.messages.length = this.capacity;
    this.revision++;
  }

  /** Newest first; `to` matches an envelope recipient, case-insensitively. */
  list(to?: string): StoredMessage[] {
    const wanted = to?.trim().toLowerCase();
    if (!wanted) return [...this.messages];
    return this.messages.filter((message) => message.envelope.to.some((address) => address.toLowerCase() === wanted));
  }

  get(id: string): StoredMessage | undefined {
    return this.messages.find((message) => message.id === id);
  }

  clear() {
    this.messages = [];
    this.revision++;
  }
}

// Server-rendered mailbox pages: the list (filterable by recipient) and one message with its HTML in a sandboxed frame.
import { autoRefreshScript, escapeHtml, type PageParts } from "./http-kit";
import type { StoredMessage } from "./mailbox";

// No allow-scripts and no allow-same-origin: the mail's HTML cannot run code or reach this page; a click may
// still navigate the whole tab (target _top), so a browser test can follow a link from an email.
export const MAIL_FRAME_SANDBOX = "allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox";

const time = (iso: string) =>
  `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace("T", " ").slice(0, 19))}</time>`;

export function mailboxPage(messages: StoredMessage[], to: string | undefined, revision: number): PageParts {
  const rows = messages
    .map(
      (message) =>
        `<tr data-message-id="${escapeHtml(message.id)}"><td>${escapeHtml(message.envelope.to.join(", "))}</td>` +
        `<td><a href="/messages/${encodeURIComponent(message.id)}">${escapeHtml(message.subject || "(no subject)")}</a></td>` +
        `<td>${time(message.receivedAt)}</td></tr>`,
    )
    .join("");
  const filter = to ? ` for ${escapeHtml(to)} <a href="/">(all)</a>` : "";
  return {
    title: "Mailbox",
    body:
      `<h1>Mailbox${filter}</h1>` +
      `<form method="get" action="/"><label>Recipient <input name="to" type="email" value="${escapeHtml(to ?? "")}"></label> ` +
      `<button>Filter</button> <button type="button" id="clear">Delete all</button></form>` +
      (messages.length
        ? `<table><thead><tr><th>To</th><th>Subject</th><th>Received (UTC)</th></tr></thead><tbody>${rows}</tbody></table>`
        : `<p class="muted">No messages${to ? " for this recipient" : ""} yet.</p>`),
    script:
      autoRefreshScript("/api/revision", revision) +
      `document.getElementById("clear").onclick=async()=>{await fetch("/api/messages",{method:"DELETE"});location.reload()};`,
  };
}

export function messagePage(message: StoredMessage): PageParts {
  const fields: [string, string | null][] = [
    ["From", message.from],
    ["To", message.to],
    ["Cc", message.cc],
    ["Envelope from", message.envelope.from],
    ["Envelope to", message.envelope.to.join(", ")],
    ["Message-ID", message.messageId],
    ["Received", message.receivedAt],
  ];
  const summary = fields
    .filter(([, value]) => value)
    .map(([name, value]) => `<tr><th>${name}</th><td>${escapeHtml(value!)}</td></tr>`)
    .join("");
  // A <base> makes plain links leave the frame too.
  const frame =
    message.html === null
      ? `<p class="muted">No HTML part.</p>`
      : `<iframe title="HTML body" sandbox="${MAIL_FRAME_SANDBOX}" srcdoc="${escapeHtml(`<base target="_top">${message.html}`)}"></iframe>`;
  const headers = Object.entries(message.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  return {
    title: message.subject || "(no subject)",
    body:
      `<p><a href="/">← Mailbox</a></p><h1>${escapeHtml(message.subject || "(no subject)")}</h1><table>${summary}</table>` +
      `<h2>HTML</h2>${frame}<h2>Text</h2><pre>${escapeHtml(message.text ?? "")}</pre>` +
      `<details><summary>Headers</summary><pre>${escapeHtml(headers)}</pre></details>`,
  };
}

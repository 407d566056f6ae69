// The simulator's own page at GET /: pick a Slack user, read channels and DMs as Slack renders them, click, fill modals.
import { renderBlocks, type BlockRenderContext } from "./block-kit";
import { InteractionError, type InteractionOutcome } from "./interactions";
import { escapeHtml, mrkdwnToHtml } from "./mrkdwn";
import type { SlackSimulatorRuntime } from "./runtime";
import type { Block, Conversation, StoredView } from "./state";

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const html = (body: string, status = 200): PageResponse => ({
  status,
  headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  body,
});
const redirect = (location: string): PageResponse => ({ status: 303, headers: { Location: location }, body: "" });
const json = (body: unknown): PageResponse => ({
  status: 200,
  headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
  body: JSON.stringify(body),
});

function renderContext(runtime: SlackSimulatorRuntime): BlockRenderContext {
  const { state } = runtime;
  return {
    userName: (id) => (id === state.seed.bot.userId ? state.seed.bot.name : state.users.get(id)?.realName),
    channelName: (id) => state.conversations.get(id)?.name,
  };
}

function defaultUser(runtime: SlackSimulatorRuntime): string {
  const first = [...runtime.state.users.values()].find((user) => !user.deleted && !user.isBot);
  return first?.id ?? "";
}

function pickUser(runtime: SlackSimulatorRuntime, requested: string | null): string {
  return requested && runtime.state.users.has(requested) ? requested : defaultUser(runtime);
}

function visibleConversations(runtime: SlackSimulatorRuntime, userId: string): Conversation[] {
  const all = [...runtime.state.conversations.values()];
  return [
    ...all.filter((conversation) => !conversation.isIm && conversation.members.has(userId)),
    ...all.filter((conversation) => conversation.isIm && conversation.user === userId),
  ];
}

const conversationTitle = (runtime: SlackSimulatorRuntime, conversation: Conversation) =>
  conversation.isIm ? `Direct messages with ${runtime.state.seed.bot.name}` : `#${conversation.name}`;

const timeOf = (ts: string) => new Date(Number(ts.split(".")[0]) * 1000).toISOString();

function renderConversation(runtime: SlackSimulatorRuntime, conversation: Conversation, userId: string): string {
  const { state } = runtime;
  const ctx = renderContext(runtime);
  const botName = escapeHtml(state.seed.bot.name);
  const items = [
    ...(state.messages.get(conversation.id) ?? []).map((message) => {
      const body = message.blocks.length
        ? renderBlocks(message.blocks, {
            ...ctx,
            buttonTarget: {
              action: "/_page/action",
              fields: { user: userId, channel: conversation.id, ts: message.ts },
            },
          })
        : `<p>${mrkdwnToHtml(message.text, ctx)}</p>`;
      const author = message.user === state.seed.bot.userId ? botName : escapeHtml(ctx.userName(message.user) ?? "");
      return {
        ts: message.ts,
        html:
          `<article class="message" data-channel="${conversation.id}" data-ts="${message.ts}" data-testid="message-${message.ts}" aria-label="Message from ${author}">` +
          `<header><strong>${author}</strong> <span class="badge">APP</span> <time datetime="${timeOf(message.ts)}">${timeOf(message.ts).slice(11, 19)}</time>` +
          (message.edited ? ` <span class="edited">(edited)</span>` : "") +
          (message.threadTs ? ` <span class="thread">reply in thread</span>` : "") +
          `</header><div class="body">${body}</div></article>`,
      };
    }),
    ...state.ephemerals
      .filter((ephemeral) => ephemeral.channel === conversation.id && ephemeral.user === userId)
      .map((ephemeral) => ({
        ts: ephemeral.messageTs,
        html:
          `<article class="message ephemeral" data-channel="${conversation.id}" data-ts="${ephemeral.messageTs}" data-ephemeral="true" aria-label="Only visible to you">` +
          `<header><strong>${botName}</strong> <span class="badge">APP</span> <span class="only-you">Only visible to you</span></header>` +
          `<div class="body">${ephemeral.blocks.length ? renderBlocks(ephemeral.blocks, ctx) : `<p>${mrkdwnToHtml(ephemeral.text, ctx)}</p>`}</div></article>`,
      })),
  ].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  const headingId = `conv-${conversation.id}`;
  return (
    `<section class="conversation" aria-labelledby="${headingId}" data-channel="${conversation.id}">` +
    `<h2 id="${headingId}">${escapeHtml(conversationTitle(runtime, conversation))}</h2>` +
    (items.length ? items.map((item) => item.html).join("") : `<p class="empty">No messages yet.</p>`) +
    `</section>`
  );
}

function renderFeed(runtime: SlackSimulatorRuntime, userId: string): string {
  return visibleConversations(runtime, userId)
    .map((conversation) => renderConversation(runtime, conversation, userId))
    .join("");
}

function topView(runtime: SlackSimulatorRuntime, userId: string): StoredView | undefined {
  return runtime.state.openViewsFor(userId).at(-1);
}

function renderModal(runtime: SlackSimulatorRuntime, userId: string): { key: string; html: string } {
  const view = topView(runtime, userId);
  if (!view) return { key: "", html: "" };
  const plain = (value: unknown, fallback: string) => {
    const text = (value as { text?: unknown } | undefined)?.text;
    return escapeHtml(typeof text === "string" ? text : fallback);
  };
  const titleId = `modal-title-${view.id}`;
  const body = renderBlocks((view.view.blocks as Block[] | undefined) ?? [], {
    ...renderContext(runtime),
    errors: view.errors,
    values: view.lastValues,
  });
  const submit = view.view.submit
    ? `<button type="submit" class="btn btn-primary">${plain(view.view.submit, "Submit")}</button>`
    : "";
  return {
    key: `${view.id}:${view.hash}:${JSON.stringify(view.errors)}`,
    html:
      `<div class="backdrop"><section class="modal" role="dialog" aria-modal="true" aria-labelledby="${titleId}" data-view-id="${view.id}">` +
      `<h2 id="${titleId}">${plain(view.view.title, "Modal")}</h2>` +
      `<form method="post" action="/_page/submit">` +
      `<input type="hidden" name="user" value="${escapeHtml(userId)}"><input type="hidden" name="view_id" value="${view.id}">` +
      body +
      `<div class="modal-actions"><button type="submit" class="btn" formaction="/_page/close" formnovalidate>${plain(view.view.close, "Cancel")}</button>${submit}</div>` +
      `</form></section></div>`,
  };
}

function renderNotice(runtime: SlackSimulatorRuntime, userId: string): string {
  return escapeHtml(runtime.pageNotices.get(userId) ?? "");
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1d1c1d;background:#fff}
.top{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#3f0e40;color:#fff}
.top h1{font-size:1rem;margin:0}.top select{font-size:.9rem}
.layout{display:grid;grid-template-columns:14rem 1fr}nav{background:#f8f8f8;padding:1rem;min-height:100vh}
nav ul{list-style:none;padding:0}nav a{color:#1d1c1d}main{padding:1rem;max-width:52rem}
.conversation{border-bottom:1px solid #ddd;padding-bottom:1rem}.message{padding:.5rem;border-radius:6px}
.message:hover{background:#f8f8f8}.message header{font-size:.9rem}.badge{font-size:.65rem;background:#ddd;padding:0 .25rem}
.ephemeral{background:#f4f9ff;border-left:3px solid #1264a3}.only-you,.edited,.thread,time{color:#616061;font-size:.8rem}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:.5rem;margin:.5rem 0}.context{color:#616061;font-size:.8rem;margin:.25rem 0}
.actions{display:flex;gap:.5rem;margin:.5rem 0}.button-form{display:inline}
.btn{border:1px solid #bbb;background:#fff;border-radius:4px;padding:.3rem .8rem;font-weight:600;cursor:pointer}
.btn-primary{background:#007a5a;color:#fff;border-color:#007a5a}.btn-danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
code{background:#f3f3f3;border:1px solid #ddd;padding:0 .2rem;color:#c01343}.mention{background:#e8f5fa;color:#1264a3}
.backdrop{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:flex-start;justify-content:center;padding-top:10vh}
.modal{background:#fff;border-radius:8px;padding:1rem 1.5rem;width:32rem}.modal-actions{display:flex;justify-content:flex-end;gap:.5rem}
.input-block{display:flex;flex-direction:column;gap:.25rem;margin:.75rem 0}.input-block label{font-weight:600}
.error{color:#e01e5a;margin:0}.hint{color:#616061;margin:0;font-size:.8rem}.unsupported{color:#999}
#notice{font-size:.85rem;color:#fff}`;

const SCRIPT = `
(() => {
  const body = document.body;
  const user = body.dataset.user;
  let version = body.dataset.version;
  let modalKey = body.dataset.modalKey;
  const dialog = document.getElementById("confirm-dialog");
  let pendingForm = null;
  document.getElementById("who").addEventListener("change", (event) => event.target.form.submit());
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.dataset || !form.dataset.confirm) return;
    event.preventDefault();
    const confirm = JSON.parse(form.dataset.confirm);
    document.getElementById("confirm-title").textContent = confirm.title;
    document.getElementById("confirm-text").textContent = confirm.text;
    const ok = document.getElementById("confirm-ok");
    ok.textContent = confirm.confirm;
    ok.className = "btn btn-" + confirm.style;
    document.getElementById("confirm-deny").textContent = confirm.deny;
    pendingForm = form;
    dialog.showModal();
  });
  document.getElementById("confirm-ok").addEventListener("click", () => {
    const form = pendingForm;
    pendingForm = null;
    dialog.close();
    if (form) form.submit();
  });
  document.getElementById("confirm-deny").addEventListener("click", () => { pendingForm = null; dialog.close(); });
  async function poll() {
    if (dialog.open) return;
    try {
      const response = await fetch("/_page/fragment?user=" + encodeURIComponent(user), { cache: "no-store" });
      const next = await response.json();
      if (String(next.version) === version) return;
      version = String(next.version);
      document.getElementById("feed").innerHTML = next.feed;
      document.getElementById("notice").textContent = next.notice;
      if (next.modalKey !== modalKey) {
        modalKey = next.modalKey;
        document.getElementById("modal").innerHTML = next.modal;
      }
    } catch {}
  }
  setInterval(poll, 1000);
})();`;

function renderPage(runtime: SlackSimulatorRuntime, userId: string): string {
  const { state } = runtime;
  const options = [...state.users.values()]
    .map(
      (user) =>
        `<option value="${user.id}"${user.id === userId ? " selected" : ""}>${escapeHtml(`${user.realName} (${user.email})`)}${user.deleted ? " [deactivated]" : ""}</option>`,
    )
    .join("");
  const links = visibleConversations(runtime, userId)
    .map(
      (conversation) =>
        `<li><a href="#conv-${conversation.id}">${escapeHtml(conversationTitle(runtime, conversation))}</a></li>`,
    )
    .join("");
  const modal = renderModal(runtime, userId);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slack simulator: ${escapeHtml(state.seed.teamName)}</title><style>${STYLE}</style></head>
<body data-user="${escapeHtml(userId)}" data-version="${state.version}" data-modal-key="${escapeHtml(modal.key)}">
<header class="top"><h1>Slack simulator: ${escapeHtml(state.seed.teamName)}</h1>
<form method="get" action="/"><label for="who">Who am I</label> <select id="who" name="user">${options}</select> <noscript><button type="submit">Switch</button></noscript></form>
<p id="notice" role="status">${renderNotice(runtime, userId)}</p></header>
<div class="layout"><nav aria-label="Conversations"><h2>Conversations</h2><ul>${links}</ul></nav>
<main id="feed">${renderFeed(runtime, userId)}</main></div>
<div id="modal">${modal.html}</div>
<dialog id="confirm-dialog" aria-labelledby="confirm-title"><h2 id="confirm-title"></h2><p id="confirm-text"></p>
<div class="modal-actions"><button type="button" class="btn" id="confirm-deny">Cancel</button><button type="button" class="btn btn-primary" id="confirm-ok">Confirm</button></div></dialog>
<script>${SCRIPT}</script></body></html>`;
}

function describeOutcome(outcome: InteractionOutcome): string {
  const what = outcome.type === "block_actions" ? "Button click" : "Modal submit";
  if (outcome.status === null) return `${what}: ${outcome.error ?? "no answer"} (${outcome.ms} ms)`;
  const result = outcome.viewResult ? `, modal ${outcome.viewResult}` : "";
  return `${what}: HTTP ${outcome.status} in ${outcome.ms} ms${result}`;
}

/** Slack checks required and length limits in the client before it sends a view_submission. */
function clientSideErrors(view: StoredView, values: Record<string, Record<string, string>>) {
  const errors: Record<string, string> = {};
  for (const block of (view.view.blocks as Block[] | undefined) ?? []) {
    if (block.type !== "input" || typeof block.block_id !== "string") continue;
    const element = (block.element as Block | undefined) ?? {};
    const value = values[block.block_id]?.[String(element.action_id ?? "")] ?? "";
    if (value === "") {
      if (block.optional !== true) errors[block.block_id] = "Please complete this required field.";
      continue;
    }
    if (typeof element.min_length === "number" && value.length < element.min_length)
      errors[block.block_id] = `Must be at least ${element.min_length} characters.`;
    if (typeof element.max_length === "number" && value.length > element.max_length)
      errors[block.block_id] = `Must be at most ${element.max_length} characters.`;
  }
  return errors;
}

function formValues(form: URLSearchParams): Record<string, Record<string, string>> {
  const values: Record<string, Record<string, string>> = {};
  for (const [name, value] of form) {
    const match = /^v:([^:]*):(.*)$/.exec(name);
    if (!match) continue;
    const [, blockId = "", actionId = ""] = match;
    (values[blockId] ??= {})[actionId] = value;
  }
  return values;
}

/** Routes under / and /_page/*; undefined when the path is not the page's. */
export async function handlePage(
  runtime: SlackSimulatorRuntime,
  method: string,
  pathname: string,
  query: URLSearchParams,
  rawBody: string,
): Promise<PageResponse | undefined> {
  const form = new URLSearchParams(rawBody);
  const back = (userId: string) => redirect(`/?user=${encodeURIComponent(userId)}`);
  const route = `${method} ${pathname}`;
  if (route === "GET /") return html(renderPage(runtime, pickUser(runtime, query.get("user"))));
  if (route === "GET /favicon.ico") return { status: 204, headers: {}, body: "" };
  if (route === "GET /_page/fragment") {
    const userId = pickUser(runtime, query.get("user"));
    const modal = renderModal(runtime, userId);
    return json({
      version: runtime.state.version,
      feed: renderFeed(runtime, userId),
      notice: runtime.pageNotices.get(userId) ?? "",
      modal: modal.html,
      modalKey: modal.key,
    });
  }
  if (method !== "POST" || !pathname.startsWith("/_page/")) return undefined;
  const userId = pickUser(runtime, form.get("user"));
  const note = (text: string) => {
    runtime.pageNotices.set(userId, text);
    runtime.state.changed();
  };
  try {
    switch (pathname) {
      case "/_page/action": {
        const outcome = await runtime.clickButton({
          userId,
          channel: form.get("channel") ?? "",
          ts: form.get("ts") ?? "",
          actionId: form.get("action_id") ?? "",
          blockId: form.get("block_id") || undefined,
        });
        note(describeOutcome(outcome));
        return back(userId);
      }
      case "/_page/submit": {
        const view = runtime.state.views.get(form.get("view_id") ?? "");
        if (!view || !view.open || view.userId !== userId) return back(userId);
        const values = formValues(form);
        const errors = clientSideErrors(view, values);
        if (Object.keys(errors).length > 0) {
          view.errors = errors;
          view.lastValues = values;
          note("Modal not sent: fix the highlighted fields.");
          return back(userId);
        }
        note(describeOutcome(await runtime.submitView({ userId, viewId: view.id, values })));
        return back(userId);
      }
      case "/_page/close": {
        const view = runtime.state.views.get(form.get("view_id") ?? "");
        if (view && view.userId === userId) view.open = false;
        note("Modal closed.");
        return back(userId);
      }
      default:
        return html("<p>Not found</p>", 404);
    }
  } catch (error) {
    if (!(error instanceof InteractionError)) throw error;
    note(`Not sent: ${error.message}`);
    return back(userId);
  }
}

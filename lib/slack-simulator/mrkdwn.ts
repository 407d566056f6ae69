// Slack mrkdwn to safe HTML: *bold*, _italic_, ~strike~, `code`, <url|label>, <@U…>, <#C…|name>, <!date^…|fallback>.

export const escapeHtml = (text: string) =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

// Slack escapes these three in message text; control sequences use the raw < and >.
const decodeSlackEntities = (text: string) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

export interface MrkdwnContext {
  /** The display name for a user id, undefined when unknown. */
  userName: (id: string) => string | undefined;
  channelName: (id: string) => string | undefined;
}

function controlSequence(inner: string, ctx: MrkdwnContext): string {
  const [target = "", label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = ctx.userName(id) ?? label ?? id;
    return `<span class="mention" data-user-id="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(ctx.channelName(id) ?? label ?? id)}</span>`;
  }
  if (target.startsWith("!date^")) return escapeHtml(decodeSlackEntities(label ?? ""));
  if (target.startsWith("!")) {
    const special = target.slice(1).split("^")[0] ?? "";
    return `<span class="mention">@${escapeHtml(label ?? special)}</span>`;
  }
  const url = decodeSlackEntities(target);
  const text = escapeHtml(decodeSlackEntities(label ?? target));
  // Only web and mail links become anchors; anything else (javascript:, data:) stays text.
  if (!/^(https?:|mailto:)/i.test(url)) return text;
  return `<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">${text}</a>`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

export function mrkdwnToHtml(source: string, ctx: MrkdwnContext): string {
  const held: string[] = [];
  // Private-use placeholders keep rendered pieces out of the formatting pass.
  const hold = (html: string) => `\uE000${held.push(html) - 1}\uE001`;
  // Code first: nothing inside a code span is formatted or linked.
  let text = source.replace(/```([\s\S]+?)```/g, (_match, code: string) =>
    hold(`<pre>${escapeHtml(decodeSlackEntities(code))}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_match, code: string) =>
    hold(`<code>${escapeHtml(decodeSlackEntities(code))}</code>`),
  );
  text = text.replace(/<([^<>\n]+)>/g, (_match, inner: string) => hold(controlSequence(inner, ctx)));
  text = escapeHtml(decodeSlackEntities(text));
  text = text
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, "$1<strong>$2</strong>")
    .replace(/(^|[^\w])_(?=\S)([^_\n]*?\S)_(?!\w)/g, "$1<em>$2</em>")
    .replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g, "$1<del>$2</del>")
    .replace(/\n/g, "<br>");
  return text.replace(/\uE000(\d+)\uE001/g, (_match, index: string) => held[Number(index)] ?? "");
}

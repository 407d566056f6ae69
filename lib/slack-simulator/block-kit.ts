// Block Kit to server-rendered HTML for the dev page: section, fields, context, actions with buttons and confirms, inputs.
import { escapeHtml, mrkdwnToHtml, type MrkdwnContext } from "./mrkdwn";
import type { Block } from "./state";

export interface BlockRenderContext extends MrkdwnContext {
  /** Where a button click posts and the hidden fields naming its message; undefined renders buttons inert. */
  buttonTarget?: { action: string; fields: Record<string, string> };
  /** Modal input errors by block_id. */
  errors?: Record<string, string>;
  /** Values to refill modal inputs with, by block_id then action_id. */
  values?: Record<string, Record<string, string>>;
}

type TextObject = { type?: unknown; text?: unknown };

export function textToHtml(value: unknown, ctx: BlockRenderContext): string {
  const object = value as TextObject | undefined;
  if (!object || typeof object.text !== "string") return "";
  return object.type === "mrkdwn" ? mrkdwnToHtml(object.text, ctx) : escapeHtml(object.text);
}

const plain = (value: unknown) => {
  const text = (value as TextObject | undefined)?.text;
  return typeof text === "string" ? text : "";
};

const hiddenFields = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");

function renderButton(block: Block, button: Block, ctx: BlockRenderContext): string {
  const style = button.style === "primary" || button.style === "danger" ? ` btn-${button.style}` : "";
  const actionId = String(button.action_id ?? "");
  const label = escapeHtml(plain(button.text));
  const target = ctx.buttonTarget;
  if (!target) return `<button type="button" class="btn${style}" disabled>${label}</button>`;
  const confirm = button.confirm as Record<string, unknown> | undefined;
  const confirmAttribute = confirm
    ? ` data-confirm="${escapeHtml(
        JSON.stringify({
          title: plain(confirm.title),
          text: plain(confirm.text),
          confirm: plain(confirm.confirm) || "Yes",
          deny: plain(confirm.deny) || "Cancel",
          style: confirm.style === "danger" ? "danger" : "primary",
        }),
      )}"`
    : "";
  const fields = { ...target.fields, block_id: String(block.block_id ?? ""), action_id: actionId };
  return (
    `<form method="post" action="${escapeHtml(target.action)}" class="button-form"${confirmAttribute}>` +
    hiddenFields(fields) +
    `<button type="submit" class="btn${style}" data-action-id="${escapeHtml(actionId)}">${label}</button></form>`
  );
}

function renderElement(block: Block, element: Block | undefined, ctx: BlockRenderContext): string {
  if (!element) return "";
  if (element.type === "button") return renderButton(block, element, ctx);
  return `<span class="unsupported">[${escapeHtml(String(element.type))} element]</span>`;
}

function renderInput(block: Block, ctx: BlockRenderContext): string {
  const element = (block.element as Block | undefined) ?? {};
  const blockId = String(block.block_id ?? "");
  const actionId = String(element.action_id ?? "");
  const id = `input-${blockId}-${actionId}`.replace(/[^\w-]/g, "_");
  const name = `v:${blockId}:${actionId}`;
  const error = ctx.errors?.[blockId];
  const value =
    ctx.values?.[blockId]?.[actionId] ?? (typeof element.initial_value === "string" ? element.initial_value : "");
  const describedBy = [block.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  const attributes = [
    `id="${id}"`,
    `name="${escapeHtml(name)}"`,
    block.optional === true ? "" : "required",
    typeof element.min_length === "number" ? `minlength="${element.min_length}"` : "",
    typeof element.max_length === "number" ? `maxlength="${element.max_length}"` : "",
    element.placeholder ? `placeholder="${escapeHtml(plain(element.placeholder))}"` : "",
    describedBy ? `aria-describedby="${describedBy}"` : "",
    error ? `aria-invalid="true"` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const control =
    element.type !== "plain_text_input"
      ? `<span class="unsupported">[${escapeHtml(String(element.type))} input]</span>`
      : element.multiline === true
        ? `<textarea ${attributes} rows="4">${escapeHtml(value)}</textarea>`
        : `<input type="text" ${attributes} value="${escapeHtml(value)}">`;
  return (
    `<div class="input-block" data-block-id="${escapeHtml(blockId)}">` +
    `<label for="${id}">${escapeHtml(plain(block.label))}${block.optional === true ? " (optional)" : ""}</label>` +
    control +
    (block.hint ? `<p class="hint" id="${id}-hint">${escapeHtml(plain(block.hint))}</p>` : "") +
    (error ? `<p class="error" id="${id}-error" role="alert">${escapeHtml(error)}</p>` : "") +
    `</div>`
  );
}

function renderBlock(block: Block, ctx: BlockRenderContext): string {
  switch (block.type) {
    case "section": {
      const fields = Array.isArray(block.fields)
        ? `<div class="fields">${(block.fields as unknown[]).map((field) => `<div>${textToHtml(field, ctx)}</div>`).join("")}</div>`
        : "";
      const accessory = block.accessory ? renderElement(block, block.accessory as Block, ctx) : "";
      return `<div class="block section"><div class="text">${textToHtml(block.text, ctx)}</div>${fields}${accessory}</div>`;
    }
    case "context": {
      const elements = ((block.elements as Block[] | undefined) ?? [])
        .map((element) =>
          element.type === "image"
            ? `<span class="image">[${escapeHtml(String(element.alt_text ?? "image"))}]</span>`
            : `<span>${textToHtml(element, ctx)}</span>`,
        )
        .join(" ");
      return `<div class="block context">${elements}</div>`;
    }
    case "actions": {
      const elements = ((block.elements as Block[] | undefined) ?? []).map((element) =>
        renderElement(block, element, ctx),
      );
      return `<div class="block actions">${elements.join("")}</div>`;
    }
    case "header":
      return `<h3 class="block header">${escapeHtml(plain(block.text))}</h3>`;
    case "divider":
      return `<hr class="block divider">`;
    case "markdown":
      return `<div class="block markdown">${mrkdwnToHtml(String(block.text ?? ""), ctx)}</div>`;
    case "input":
      return renderInput(block, ctx);
    default:
      return `<p class="block unsupported">[unsupported block: ${escapeHtml(String(block.type))}]</p>`;
  }
}

export function renderBlocks(blocks: Block[], ctx: BlockRenderContext): string {
  return blocks.map((block) => renderBlock(block, ctx)).join("");
}

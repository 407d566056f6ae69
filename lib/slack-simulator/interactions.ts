// Slack -> app interactions: block_actions and view_submission payloads, signed v0, posted with Slack's 3 s ack limit.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { messageObject, viewObject, type MethodContext } from "./methods";
import { slackSignature } from "./signing";
import type { Block, StoredView } from "./state";

export const INTERACTION_TIMEOUT_MS = 3_000;
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
const STALE_SECONDS = 10 * 60;

/** Ways to send a request a correct receiver must refuse. */
export const AttackSchema = z.enum(["stale-timestamp", "wrong-secret", "altered-body", "unsigned"]);
export type Attack = z.infer<typeof AttackSchema>;

export interface InteractionOutcome {
  id: string;
  type: "block_actions" | "view_submission";
  userId: string;
  url: string;
  attack?: Attack;
  sentAtMs: number;
  /** null when no answer arrived (timeout or network error). */
  status: number | null;
  ms: number;
  timedOut: boolean;
  error?: string;
  responseBody: string;
  /** view_submission: what the answer did to the modal. */
  viewResult?: "closed" | "errors" | "updated" | "cleared" | "kept-open";
  payload: Record<string, unknown>;
}

export interface InteractionEnvironment extends MethodContext {
  signingSecret: string;
  interactivityUrl: () => string | undefined;
  baseUrl: () => string;
  record: (outcome: InteractionOutcome) => void;
}

export class InteractionError extends Error {}

const userRef = (env: InteractionEnvironment, userId: string) => {
  const user = env.state.users.get(userId);
  const teamId = user?.homeTeamId ?? env.state.seed.teamId;
  return { id: userId, username: user?.name ?? userId, name: user?.name ?? userId, team_id: teamId };
};

const teamRef = (env: InteractionEnvironment) => ({ id: env.state.seed.teamId, domain: env.state.seed.teamDomain });

/** The button with this action_id (and block_id when given) in an actions block or a section accessory. */
export function findButton(blocks: Block[], actionId: string, blockId?: string) {
  for (const block of blocks) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const elements = block.type === "actions" ? (block.elements as Block[] | undefined) : [block.accessory as Block];
    const button = (elements ?? []).find((element) => element?.type === "button" && element.action_id === actionId);
    if (button) return { block, button };
  }
  return undefined;
}

/** Form-encodes, signs and posts one payload to the interactivity URL; never throws for HTTP outcomes. */
async function deliver(
  env: InteractionEnvironment,
  type: InteractionOutcome["type"],
  userId: string,
  payload: Record<string, unknown>,
  attack: Attack | undefined,
): Promise<InteractionOutcome> {
  const url = env.interactivityUrl();
  if (!url) throw new InteractionError("no interactivity URL is configured");
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const nowSeconds = Math.floor(env.now() / 1000);
  const timestamp = attack === "stale-timestamp" ? nowSeconds - STALE_SECONDS : nowSeconds;
  const secret = attack === "wrong-secret" ? `${env.signingSecret}-wrong` : env.signingSecret;
  const signature = slackSignature(secret, timestamp, body);
  // The signature covers the original body; the receiver gets one with a changed payload.
  const sentBody = attack === "altered-body" ? body.replace(/(%22type%22%3A%22)/, "$1x") : body;
  const headers: Record<string, string> = {
    // Exactly this: bolt parses the body only for this exact content type, without a charset.
    "Content-Type": "application/x-www-form-urlencoded",
    "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  if (attack !== "unsigned") {
    headers["X-Slack-Request-Timestamp"] = String(timestamp);
    headers["X-Slack-Signature"] = signature;
  }
  const sentAtMs = Date.now();
  const outcome: InteractionOutcome = {
    id: randomBytes(6).toString("hex"),
    type,
    userId,
    url,
    ...(attack ? { attack } : {}),
    sentAtMs,
    status: null,
    ms: 0,
    timedOut: false,
    responseBody: "",
    payload,
  };
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: sentBody,
      redirect: "manual",
      signal: AbortSignal.timeout(INTERACTION_TIMEOUT_MS),
    });
    outcome.responseBody = await response.text();
    outcome.status = response.status;
  } catch (error) {
    const name = (error as Error).name;
    outcome.timedOut = name === "TimeoutError" || name === "AbortError";
    outcome.error = outcome.timedOut ? "no answer within 3 s" : (error as Error).message;
  }
  outcome.ms = Date.now() - sentAtMs;
  env.record(outcome);
  return outcome;
}

export interface ClickInput {
  userId: string;
  channel: string;
  ts: string;
  actionId: string;
  blockId?: string;
  attack?: Attack;
}

/** A button click in a stored message, sent as Slack sends block_actions. */
export async function sendBlockAction(env: InteractionEnvironment, input: ClickInput): Promise<InteractionOutcome> {
  const { state } = env;
  const conversation = state.conversations.get(input.channel);
  const message = conversation ? state.findMessage(conversation.id, input.ts) : undefined;
  if (!conversation || !message) throw new InteractionError(`no message ${input.ts} in ${input.channel}`);
  if (!state.users.has(input.userId)) throw new InteractionError(`no user ${input.userId}`);
  if (!conversation.members.has(input.userId))
    throw new InteractionError(`${input.userId} cannot see ${conversation.id}`);
  const found = findButton(message.blocks, input.actionId, input.blockId);
  if (!found) throw new InteractionError(`no button ${input.actionId} in that message`);
  const trigger = state.issueTrigger(input.userId);
  const responseUrlId = randomBytes(12).toString("hex");
  state.responseUrls.set(responseUrlId, {
    id: responseUrlId,
    userId: input.userId,
    channel: conversation.id,
    messageTs: message.ts,
    createdAtMs: env.now(),
    uses: 0,
  });
  const { button, block } = found;
  const payload = {
    type: "block_actions",
    user: userRef(env, input.userId),
    api_app_id: state.seed.bot.appId,
    token: "simulator-verification-token",
    container: { type: "message", message_ts: message.ts, channel_id: conversation.id, is_ephemeral: false },
    trigger_id: trigger.id,
    team: teamRef(env),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: conversation.id, name: conversation.isIm ? "directmessage" : conversation.name },
    message: messageObject(message, env, false),
    state: { values: {} },
    response_url: `${env.baseUrl()}/_response/${responseUrlId}`,
    actions: [
      {
        type: "button",
        action_id: button.action_id,
        block_id: block.block_id ?? "",
        text: button.text,
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.style !== undefined ? { style: button.style } : {}),
        action_ts: state.nextTs(),
      },
    ],
  };
  return deliver(env, "block_actions", input.userId, payload, input.attack);
}

export interface SubmitInput {
  userId: string;
  viewId: string;
  /** Typed values by block_id then action_id. */
  values: Record<string, Record<string, string>>;
  attack?: Attack;
}

function stateValues(view: StoredView, values: SubmitInput["values"]) {
  const out: Record<string, Record<string, { type: string; value: string | null }>> = {};
  for (const block of (view.view.blocks as Block[] | undefined) ?? []) {
    if (block.type !== "input" || typeof block.block_id !== "string") continue;
    const element = block.element as Block | undefined;
    const actionId = typeof element?.action_id === "string" ? element.action_id : "";
    const typed = values[block.block_id]?.[actionId] ?? "";
    // Slack sends null, not "", for an empty text input.
    out[block.block_id] = { [actionId]: { type: String(element?.type ?? "plain_text_input"), value: typed || null } };
  }
  return out;
}

/** A modal submit, sent as Slack sends view_submission; the answer decides whether the modal stays open. */
export async function sendViewSubmission(env: InteractionEnvironment, input: SubmitInput): Promise<InteractionOutcome> {
  const view = env.state.views.get(input.viewId);
  if (!view || !view.open || view.userId !== input.userId)
    throw new InteractionError(`no open view ${input.viewId} for ${input.userId}`);
  view.lastValues = input.values;
  const payload = {
    type: "view_submission",
    team: teamRef(env),
    user: userRef(env, input.userId),
    api_app_id: env.state.seed.bot.appId,
    token: "simulator-verification-token",
    trigger_id: env.state.issueTrigger(input.userId).id,
    enterprise: null,
    is_enterprise_install: false,
    response_urls: [],
    view: { ...viewObject(view, env), state: { values: stateValues(view, input.values) } },
  };
  const outcome = await deliver(env, "view_submission", input.userId, payload, input.attack);
  outcome.viewResult = applyViewAnswer(env, view, outcome);
  env.state.changed();
  return outcome;
}

function applyViewAnswer(env: InteractionEnvironment, view: StoredView, outcome: InteractionOutcome) {
  // Slack keeps the modal and shows a connection error when the app does not ack properly.
  if (outcome.status !== 200) return "kept-open" as const;
  if (outcome.responseBody.trim() === "") {
    view.open = false;
    return "closed" as const;
  }
  let answer: { response_action?: unknown; errors?: unknown; view?: unknown };
  try {
    answer = JSON.parse(outcome.responseBody) as typeof answer;
  } catch {
    return "kept-open" as const;
  }
  switch (answer.response_action) {
    case "errors":
      view.errors = Object.fromEntries(
        Object.entries((answer.errors as Record<string, unknown> | undefined) ?? {}).map(([key, value]) => [
          key,
          String(value),
        ]),
      );
      return "errors" as const;
    case "update":
    case "push":
      if (answer.view && typeof answer.view === "object") view.view = answer.view as Record<string, unknown>;
      view.errors = {};
      return "updated" as const;
    case "clear":
      for (const open of env.state.openViewsFor(view.userId)) open.open = false;
      return "cleared" as const;
    default:
      view.open = false;
      return "closed" as const;
  }
}

const ResponseUrlBodySchema = z.looseObject({
  text: z.string().optional(),
  blocks: z.array(z.looseObject({ type: z.string() })).optional(),
  response_type: z.enum(["ephemeral", "in_channel"]).optional(),
  replace_original: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
  delete_original: z.union([z.boolean(), z.enum(["true", "false"])]).optional(),
  thread_ts: z.string().optional(),
});

/** POST to a response_url: at most 5 uses within 30 minutes of the interaction. */
export function answerResponseUrl(env: MethodContext, id: string, rawBody: string): { status: number; body: unknown } {
  const { state } = env;
  const record = state.responseUrls.get(id);
  if (!record) return { status: 404, body: { ok: false, error: "no_such_url" } };
  if (env.now() - record.createdAtMs > RESPONSE_URL_LIFETIME_MS)
    return { status: 404, body: { ok: false, error: "expired_url" } };
  if (record.uses >= RESPONSE_URL_MAX_USES) return { status: 404, body: { ok: false, error: "used_url" } };
  let parsed;
  try {
    parsed = ResponseUrlBodySchema.safeParse(JSON.parse(rawBody));
  } catch {
    return { status: 400, body: { ok: false, error: "invalid_payload" } };
  }
  if (!parsed.success) return { status: 400, body: { ok: false, error: "invalid_payload" } };
  record.uses += 1;
  const answer = parsed.data;
  const yes = (flag: boolean | string | undefined) => flag === true || flag === "true";
  const original = state.findMessage(record.channel, record.messageTs);
  if (yes(answer.delete_original)) {
    if (original) state.deleteMessage(record.channel, record.messageTs);
    return { status: 200, body: { ok: true } };
  }
  const text = answer.text ?? "";
  const blocks = answer.blocks ?? [];
  if (yes(answer.replace_original)) {
    if (!original) return { status: 404, body: { ok: false, error: "message_not_found" } };
    state.editMessage(original, { text, blocks }, state.seed.bot.userId);
    return { status: 200, body: { ok: true } };
  }
  if (text === "" && blocks.length === 0) return { status: 400, body: { ok: false, error: "no_text" } };
  if (answer.response_type === "in_channel") {
    state.addMessage({
      channel: record.channel,
      ts: state.nextTs(),
      text,
      blocks,
      user: state.seed.bot.userId,
      botId: state.seed.bot.botId,
      threadTs: answer.thread_ts,
      history: [],
    });
  } else {
    state.ephemerals.push({
      channel: record.channel,
      user: record.userId,
      messageTs: state.nextTs(),
      text,
      blocks,
      source: "response_url",
    });
    state.changed();
  }
  return { status: 200, body: { ok: true } };
}

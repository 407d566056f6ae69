// The Web API methods the portal uses, with Slack's argument rules, response shapes and error codes.
import type { SeedUser } from "./seed";
import { dmIdFor, newViewHash, type Block, type SlackState, type StoredMessage, type StoredView } from "./state";
import { flagArg, stringArg, type ApiArgs } from "./wire";

/** An `ok:false` answer with Slack's error code (HTTP 200). */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

export interface MethodContext {
  state: SlackState;
  now: () => number;
}

export type MethodHandler = (args: ApiArgs, ctx: MethodContext) => Record<string, unknown>;

export const TRIGGER_LIFETIME_MS = 3_000;
const MAX_MESSAGE_BLOCKS = 50;
const MAX_VIEW_BLOCKS = 100;
const POST_TEXT_TRUNCATE_AT = 40_000;
const UPDATE_TEXT_LIMIT = 4_000;
const TRIGGER_SHAPE = /^\d+\.\d+\.[0-9a-f]+$/;

function userObject(user: SeedUser, ctx: MethodContext) {
  const teamId = user.homeTeamId ?? ctx.state.seed.teamId;
  return {
    id: user.id,
    team_id: teamId,
    name: user.name,
    deleted: user.deleted ?? false,
    real_name: user.realName,
    tz: "Europe/London",
    tz_label: "Greenwich Mean Time",
    tz_offset: 0,
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    ...(user.isEmailConfirmed === null ? {} : { is_email_confirmed: user.isEmailConfirmed ?? true }),
    updated: 1_700_000_000,
    profile: {
      email: user.email,
      real_name: user.realName,
      display_name: user.name,
      real_name_normalized: user.realName,
      display_name_normalized: user.name,
      team: teamId,
    },
  };
}

export function messageObject(message: StoredMessage, ctx: MethodContext, includeMetadata: boolean) {
  const { bot, teamId } = ctx.state.seed;
  return {
    type: "message",
    text: message.text,
    user: message.user,
    ts: message.ts,
    team: teamId,
    ...(message.botId ? { bot_id: message.botId, app_id: bot.appId } : {}),
    blocks: message.blocks,
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    ...(message.edited ? { edited: message.edited } : {}),
    ...(includeMetadata && message.metadata !== undefined ? { metadata: message.metadata } : {}),
  };
}

/** undefined: not given; throws invalid_blocks unless a JSON array of typed block objects. */
function parseBlocks(value: unknown, max: number, code = "invalid_blocks"): Block[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const valid =
    Array.isArray(value) &&
    value.length <= max &&
    value.every((block) => block && typeof block === "object" && typeof (block as Block).type === "string");
  if (!valid) throw new SlackApiError(code);
  return value as Block[];
}

function parseMetadata(value: unknown): unknown {
  if (value === undefined || value === null || value === "") return undefined;
  const valid =
    typeof value === "object" &&
    typeof (value as Record<string, unknown>).event_type === "string" &&
    typeof (value as Record<string, unknown>).event_payload === "object";
  if (!valid) throw new SlackApiError("invalid_metadata_format");
  return value;
}

function requireUser(ctx: MethodContext, id: string | undefined) {
  const user = id ? ctx.state.users.get(id) : undefined;
  if (!user) throw new SlackApiError("user_not_found");
  return user;
}

const chatPostMessage: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  const channelRef = stringArg(args, "channel");
  const conversation = channelRef ? state.resolveConversation(channelRef) : undefined;
  if (!conversation) throw new SlackApiError("channel_not_found");
  if (conversation.isIm && state.users.get(conversation.user ?? "")?.deleted) throw new SlackApiError("user_disabled");
  if (!conversation.botIsMember) throw new SlackApiError("not_in_channel");
  const blocks = parseBlocks(args.blocks, MAX_MESSAGE_BLOCKS);
  const metadata = parseMetadata(args.metadata);
  const text = stringArg(args, "text") ?? "";
  if (text === "" && !blocks?.length && !args.attachments) throw new SlackApiError("no_text");
  const message: StoredMessage = {
    channel: conversation.id,
    ts: state.nextTs(),
    // Slack truncates overlong text on post instead of refusing it.
    text: text.slice(0, POST_TEXT_TRUNCATE_AT),
    blocks: blocks ?? [],
    metadata,
    user: state.seed.bot.userId,
    botId: state.seed.bot.botId,
    threadTs: stringArg(args, "thread_ts"),
    history: [],
  };
  conversation.opened = true;
  state.addMessage(message);
  return { channel: conversation.id, ts: message.ts, message: messageObject(message, ctx, true) };
};

const chatUpdate: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  // chat.update takes the conversation id (the D… id for a DM), never a user id or a name.
  const conversation = state.conversations.get(stringArg(args, "channel") ?? "");
  if (!conversation) throw new SlackApiError("channel_not_found");
  const message = state.findMessage(conversation.id, stringArg(args, "ts") ?? "");
  if (!message) throw new SlackApiError("message_not_found");
  if (message.user !== state.seed.bot.userId) throw new SlackApiError("cant_update_message");
  const blocks = parseBlocks(args.blocks, MAX_MESSAGE_BLOCKS);
  const text = stringArg(args, "text");
  if (text === undefined && blocks === undefined && !args.attachments) throw new SlackApiError("no_text");
  if (text !== undefined && text.length > UPDATE_TEXT_LIMIT) throw new SlackApiError("msg_too_long");
  const metadata = parseMetadata(args.metadata);
  // Omitted blocks keep the old ones; an empty array removes them.
  state.editMessage(
    message,
    { text: text ?? message.text, blocks: blocks ?? message.blocks, metadata },
    state.seed.bot.userId,
  );
  return {
    channel: conversation.id,
    ts: message.ts,
    text: message.text,
    message: messageObject(message, ctx, false),
  };
};

const chatPostEphemeral: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  const conversation = state.resolveConversation(stringArg(args, "channel") ?? "");
  if (!conversation) throw new SlackApiError("channel_not_found");
  const user = requireUser(ctx, stringArg(args, "user"));
  if (!conversation.botIsMember) throw new SlackApiError("not_in_channel");
  if (!conversation.members.has(user.id)) throw new SlackApiError("user_not_in_channel");
  const blocks = parseBlocks(args.blocks, MAX_MESSAGE_BLOCKS);
  const text = stringArg(args, "text") ?? "";
  if (text === "" && !blocks?.length && !args.attachments) throw new SlackApiError("no_text");
  if (text.length > UPDATE_TEXT_LIMIT) throw new SlackApiError("msg_too_long");
  const messageTs = state.nextTs();
  state.ephemerals.push({
    channel: conversation.id,
    user: user.id,
    messageTs,
    text,
    blocks: blocks ?? [],
    source: "api",
  });
  state.changed();
  return { message_ts: messageTs };
};

const conversationsOpen: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  const channelRef = stringArg(args, "channel");
  const userIds = (stringArg(args, "users") ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  let conversation;
  if (channelRef) {
    conversation = state.conversations.get(channelRef);
    if (!conversation) throw new SlackApiError("channel_not_found");
    if (!conversation.isIm) throw new SlackApiError("method_not_supported_for_channel_type");
  } else {
    if (userIds.length === 0) throw new SlackApiError("users_list_not_supplied");
    if (userIds.length > 8) throw new SlackApiError("too_many_users");
    // Group DMs are outside what the portal needs; the simulator only opens 1:1 DMs.
    if (userIds.length > 1) throw new SlackApiError("method_not_supported_for_channel_type");
    const user = requireUser(ctx, userIds[0]);
    if (user.deleted) throw new SlackApiError("user_disabled");
    conversation = state.conversations.get(dmIdFor(user.id))!;
  }
  const alreadyOpen = conversation.opened;
  conversation.opened = true;
  const channel = flagArg(args, "return_im")
    ? {
        id: conversation.id,
        created: conversation.createdSeconds,
        is_im: true,
        is_org_shared: false,
        user: conversation.user,
        is_user_deleted: false,
        priority: 0,
      }
    : { id: conversation.id };
  return { channel, ...(alreadyOpen ? { no_op: true, already_open: true } : {}) };
};

const conversationsHistory: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  const conversation = state.conversations.get(stringArg(args, "channel") ?? "");
  if (!conversation) throw new SlackApiError("channel_not_found");
  if (!conversation.botIsMember) throw new SlackApiError("not_in_channel");
  const inclusive = flagArg(args, "inclusive");
  const oldest = stringArg(args, "oldest");
  const latest = stringArg(args, "latest");
  const after = (ts: string) => (oldest === undefined ? true : inclusive ? ts >= oldest : ts > oldest);
  const before = (ts: string) => (latest === undefined ? true : inclusive ? ts <= latest : ts < latest);
  // Timestamps are fixed-width "seconds.micros", so string order is time order.
  const newestFirst = [...(state.messages.get(conversation.id) ?? [])]
    .filter((message) => after(message.ts) && before(message.ts))
    .reverse();
  const limit = Math.min(999, Math.max(1, Number(stringArg(args, "limit") ?? 100) || 100));
  const offset = Number(/^offset:(\d+)$/.exec(stringArg(args, "cursor") ?? "")?.[1] ?? 0);
  const page = newestFirst.slice(offset, offset + limit);
  const hasMore = offset + limit < newestFirst.length;
  const includeMetadata = flagArg(args, "include_all_metadata");
  return {
    messages: page.map((message) => messageObject(message, ctx, includeMetadata)),
    has_more: hasMore,
    pin_count: 0,
    response_metadata: { next_cursor: hasMore ? `offset:${offset + limit}` : "" },
  };
};

const usersLookupByEmail: MethodHandler = (args, ctx) => {
  const email = stringArg(args, "email")?.toLowerCase();
  // Matched case-insensitively; the profile keeps the address as stored.
  // Only this workspace's own members; a Slack Connect member from another organization is not found by address.
  const user = [...ctx.state.users.values()].find(
    (candidate) => !candidate.homeTeamId && candidate.email.toLowerCase() === email,
  );
  if (!email || !user) throw new SlackApiError("users_not_found");
  return { user: userObject(user, ctx) };
};

const usersInfo: MethodHandler = (args, ctx) => ({
  user: userObject(requireUser(ctx, stringArg(args, "user")), ctx),
});

export function viewObject(stored: StoredView, ctx: MethodContext) {
  const { bot, teamId } = ctx.state.seed;
  return {
    id: stored.id,
    team_id: teamId,
    type: "modal",
    private_metadata: "",
    callback_id: "",
    clear_on_close: false,
    notify_on_close: false,
    ...stored.view,
    blocks: (stored.view.blocks as Block[] | undefined) ?? [],
    state: { values: {} },
    hash: stored.hash,
    root_view_id: stored.id,
    previous_view_id: null,
    app_id: bot.appId,
    app_installed_team_id: teamId,
    bot_id: bot.botId,
    external_id: stored.externalId ?? "",
  };
}

function parseView(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new SlackApiError("invalid_arguments");
  const view = value as Record<string, unknown>;
  const title = view.title as { type?: unknown; text?: unknown } | undefined;
  if (view.type !== "modal" || title?.type !== "plain_text" || typeof title.text !== "string")
    throw new SlackApiError("invalid_arguments");
  if (title.text.length > 24) throw new SlackApiError("invalid_arguments");
  const blocks = parseBlocks(view.blocks ?? [], MAX_VIEW_BLOCKS, "invalid_arguments") ?? [];
  // A modal with an input block must say what its submit button reads.
  if (blocks.some((block) => block.type === "input") && !view.submit) throw new SlackApiError("invalid_arguments");
  return view;
}

const viewsOpen: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  const triggerId = stringArg(args, "trigger_id") ?? stringArg(args, "interactivity_pointer");
  if (!triggerId) throw new SlackApiError("invalid_arguments");
  const view = parseView(args.view);
  const trigger = TRIGGER_SHAPE.test(triggerId) ? state.triggers.get(triggerId) : undefined;
  if (!trigger) throw new SlackApiError("invalid_trigger_id");
  if (trigger.used) throw new SlackApiError("exchanged_trigger_id");
  if (ctx.now() - trigger.issuedAtMs > TRIGGER_LIFETIME_MS) throw new SlackApiError("expired_trigger_id");
  const externalId = typeof view.external_id === "string" && view.external_id !== "" ? view.external_id : undefined;
  if (externalId && [...state.views.values()].some((existing) => existing.externalId === externalId))
    throw new SlackApiError("duplicate_external_id");
  trigger.used = true;
  // A new root modal replaces whatever the user had open.
  for (const open of state.openViewsFor(trigger.userId)) open.open = false;
  const stored: StoredView = {
    id: state.newViewId(),
    userId: trigger.userId,
    view,
    hash: newViewHash(),
    externalId,
    errors: {},
    open: true,
    openedAtMs: ctx.now(),
    lastValues: {},
  };
  state.views.set(stored.id, stored);
  state.changed();
  return { view: viewObject(stored, ctx) };
};

const viewsUpdate: MethodHandler = (args, ctx) => {
  const { state } = ctx;
  const viewId = stringArg(args, "view_id");
  const externalId = stringArg(args, "external_id");
  if (!viewId && !externalId) throw new SlackApiError("invalid_arguments");
  const view = parseView(args.view);
  const stored = viewId
    ? state.views.get(viewId)
    : [...state.views.values()].find((candidate) => candidate.externalId === externalId);
  if (!stored || !stored.open) throw new SlackApiError("not_found");
  const hash = stringArg(args, "hash");
  if (hash !== undefined && hash !== stored.hash) throw new SlackApiError("hash_conflict");
  stored.view = view;
  stored.hash = newViewHash();
  stored.errors = {};
  state.changed();
  return { view: viewObject(stored, ctx) };
};

const authTest: MethodHandler = (_args, ctx) => {
  const { seed } = ctx.state;
  return {
    url: `https://${seed.teamDomain}.slack.com/`,
    team: seed.teamName,
    user: seed.bot.name,
    team_id: seed.teamId,
    user_id: seed.bot.userId,
    bot_id: seed.bot.botId,
    app_id: seed.bot.appId,
    is_enterprise_install: false,
  };
};

export const METHODS: Readonly<Record<string, MethodHandler>> = {
  "auth.test": authTest,
  "chat.postMessage": chatPostMessage,
  "chat.update": chatUpdate,
  "chat.postEphemeral": chatPostEphemeral,
  "conversations.open": conversationsOpen,
  "conversations.history": conversationsHistory,
  "users.lookupByEmail": usersLookupByEmail,
  "users.info": usersInfo,
  "views.open": viewsOpen,
  "views.update": viewsUpdate,
};

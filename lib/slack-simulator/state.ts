// The simulated workspace: users, channels, DMs, messages with edit history, ephemerals, views, triggers, response URLs.
import { randomBytes } from "node:crypto";
import type { SeedUser, SlackSeed } from "./seed";

export type Block = Record<string, unknown>;

export interface MessageVersion {
  text: string;
  blocks: Block[];
  /** The ts at which this version was replaced. */
  replacedAt: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Block[];
  metadata?: unknown;
  /** The posting user (the bot's user id for API posts). */
  user: string;
  botId?: string;
  threadTs?: string;
  /** Earlier versions, oldest first. */
  history: MessageVersion[];
  edited?: { user: string; ts: string };
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  messageTs: string;
  text: string;
  blocks: Block[];
  source: "api" | "response_url";
}

export interface StoredView {
  id: string;
  userId: string;
  view: Record<string, unknown>;
  hash: string;
  externalId?: string;
  /** Errors from the last view_submission answer, by block_id. */
  errors: Record<string, string>;
  open: boolean;
  openedAtMs: number;
  /** Values typed into the modal at the last submission, by block_id then action_id. */
  lastValues: Record<string, Record<string, string>>;
}

export interface Trigger {
  id: string;
  userId: string;
  issuedAtMs: number;
  used: boolean;
}

export interface ResponseUrlRecord {
  id: string;
  userId: string;
  channel: string;
  messageTs: string;
  createdAtMs: number;
  uses: number;
}

export interface Conversation {
  id: string;
  /** "#name" for channels, "directmessage" for DMs. */
  name: string;
  isIm: boolean;
  /** For a DM: the user on the other side of the bot. */
  user?: string;
  botIsMember: boolean;
  members: Set<string>;
  /** DMs: has conversations.open or a post opened it yet. */
  opened: boolean;
  createdSeconds: number;
}

/** DM ids are derived from the user id so they are stable across resets: U0ALICE -> D0ALICE. */
export const dmIdFor = (userId: string) => `D${userId.replace(/^[UW]/, "")}`;

export class SlackState {
  readonly users = new Map<string, SeedUser>();
  readonly conversations = new Map<string, Conversation>();
  readonly messages = new Map<string, StoredMessage[]>();
  readonly ephemerals: StoredEphemeral[] = [];
  readonly views = new Map<string, StoredView>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private lastTsMicros = 0;
  private viewCounter = 0;
  /** Bumped on every visible change, so the dev page polls cheaply. */
  version = 0;

  constructor(
    readonly seed: SlackSeed,
    private readonly now: () => number,
  ) {
    for (const user of seed.users) this.users.set(user.id, user);
    const createdSeconds = Math.floor(now() / 1000);
    for (const channel of seed.channels) {
      this.conversations.set(channel.id, {
        id: channel.id,
        name: channel.name,
        isIm: false,
        botIsMember: channel.botIsMember,
        members: new Set(channel.members ?? seed.users.map((user) => user.id)),
        opened: true,
        createdSeconds,
      });
    }
    for (const user of seed.users) {
      const id = dmIdFor(user.id);
      this.conversations.set(id, {
        id,
        name: "directmessage",
        isIm: true,
        user: user.id,
        botIsMember: true,
        members: new Set([user.id]),
        opened: false,
        createdSeconds,
      });
    }
  }

  changed() {
    this.version += 1;
  }

  /** Unique, increasing message timestamps in Slack's "seconds.micros" string form. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.now()) * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
  }

  /** A channel id, "#name", "name", a D… id or a user id (the bot's DM with that user). */
  resolveConversation(ref: string): Conversation | undefined {
    const byId = this.conversations.get(ref);
    if (byId) return byId;
    if (/^[UW][A-Z0-9]+$/.test(ref) && this.users.has(ref)) return this.conversations.get(dmIdFor(ref));
    const name = ref.replace(/^#/, "");
    return [...this.conversations.values()].find((conversation) => !conversation.isIm && conversation.name === name);
  }

  addMessage(message: StoredMessage) {
    const list = this.messages.get(message.channel) ?? [];
    list.push(message);
    this.messages.set(message.channel, list);
    this.changed();
  }

  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(channel)?.find((message) => message.ts === ts);
  }

  deleteMessage(channel: string, ts: string): boolean {
    const list = this.messages.get(channel);
    const index = list?.findIndex((message) => message.ts === ts) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    this.changed();
    return true;
  }

  /** Replaces text/blocks, keeping the old version in history. */
  editMessage(message: StoredMessage, next: { text: string; blocks: Block[]; metadata?: unknown }, editor: string) {
    const ts = this.nextTs();
    message.history.push({ text: message.text, blocks: message.blocks, replacedAt: ts });
    message.text = next.text;
    message.blocks = next.blocks;
    if (next.metadata !== undefined) message.metadata = next.metadata;
    message.edited = { user: editor, ts };
    this.changed();
  }

  /** Trigger ids look like Slack's: digits.digits.hex. */
  issueTrigger(userId: string): Trigger {
    const trigger: Trigger = {
      id: `${Math.floor(this.now() / 1000)}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString("hex")}`,
      userId,
      issuedAtMs: this.now(),
      used: false,
    };
    this.triggers.set(trigger.id, trigger);
    return trigger;
  }

  newViewId(): string {
    this.viewCounter += 1;
    return `V0SIM${String(this.viewCounter).padStart(6, "0")}`;
  }

  openViewsFor(userId: string): StoredView[] {
    return [...this.views.values()].filter((view) => view.open && view.userId === userId);
  }
}

export const newViewHash = () => `${Date.now()}.${randomBytes(6).toString("hex")}`;

// The /_control/* endpoints tests and the local stack use to inspect the workspace, inject faults and send interactions.
import { z } from "zod";
import { FaultSchema, RateLimitSettingsSchema } from "./faults";
import { AttackSchema, InteractionError } from "./interactions";
import type { SlackSimulatorRuntime } from "./runtime";

export interface ControlResponse {
  status: number;
  body: unknown;
}

export const ClickSchema = z.strictObject({
  user: z.string().min(1),
  /** A channel id, "#name" or a user id (that user's DM with the bot). */
  channel: z.string().min(1),
  ts: z.string().min(1),
  actionId: z.string().min(1),
  blockId: z.string().optional(),
  attack: AttackSchema.optional(),
});
export type Click = z.infer<typeof ClickSchema>;

export const SubmitSchema = z.strictObject({
  user: z.string().min(1),
  viewId: z.string().min(1),
  values: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  attack: AttackSchema.optional(),
});
export type Submit = z.input<typeof SubmitSchema>;

export const ConfigSchema = z.strictObject({ interactivityUrl: z.url().nullable() });

const issues = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);

function messagesIn(runtime: SlackSimulatorRuntime, channelRef: string | null) {
  const { state } = runtime;
  const channels = channelRef
    ? [state.resolveConversation(channelRef)?.id].filter((id): id is string => id !== undefined)
    : [...state.messages.keys()];
  return channels.flatMap((channel) => (state.messages.get(channel) ?? []).map((message) => structuredClone(message)));
}

export async function handleControl(
  runtime: SlackSimulatorRuntime,
  method: string,
  pathname: string,
  query: URLSearchParams,
  rawBody: string,
): Promise<ControlResponse> {
  const route = `${method} ${pathname.replace(/\/+$/, "")}`;
  let body: unknown;
  try {
    body = rawBody.trim() === "" ? {} : JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { error: "request body is not valid JSON" } };
  }
  const { state } = runtime;
  switch (route) {
    // GET /_control/health - liveness for scripts
    case "GET /_control/health":
      return { status: 200, body: { ok: true } };
    // POST /_control/reset - seed workspace, no faults, default limits, empty logs
    case "POST /_control/reset":
      runtime.reset();
      return { status: 200, body: { ok: true } };
    // GET /_control/users - the workspace's users
    case "GET /_control/users":
      return {
        status: 200,
        body: { users: [...state.users.values()], bot: state.seed.bot, teamId: state.seed.teamId },
      };
    // GET /_control/messages?channel= - stored messages with blocks, metadata and edit history
    case "GET /_control/messages":
      return { status: 200, body: { messages: messagesIn(runtime, query.get("channel")) } };
    // GET /_control/ephemerals?user=&channel= - ephemeral messages
    case "GET /_control/ephemerals": {
      const user = query.get("user");
      const channel = query.get("channel");
      const channelId = channel ? state.resolveConversation(channel)?.id : undefined;
      const ephemerals = state.ephemerals.filter(
        (ephemeral) => (!user || ephemeral.user === user) && (!channel || ephemeral.channel === channelId),
      );
      return { status: 200, body: { ephemerals: structuredClone(ephemerals) } };
    }
    // GET /_control/views?user= - opened modals with their hash, errors and open flag
    case "GET /_control/views": {
      const user = query.get("user");
      const views = [...state.views.values()].filter((view) => !user || view.userId === user);
      return { status: 200, body: { views: structuredClone(views) } };
    }
    // GET /_control/calls - per-method call counts (every attempt) and the call log
    case "GET /_control/calls":
      return { status: 200, body: runtime.callSummary() };
    // GET /_control/interactions - every interaction sent and its outcome
    case "GET /_control/interactions":
      return { status: 200, body: { interactions: runtime.listInteractions() } };
    // GET|POST|DELETE /_control/faults - scripted faults
    case "GET /_control/faults":
      return { status: 200, body: { faults: runtime.faults.listFaults() } };
    case "POST /_control/faults": {
      const parsed = FaultSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: "invalid fault", issues: issues(parsed.error) } };
      runtime.faults.addFault(parsed.data);
      return { status: 200, body: { faults: runtime.faults.listFaults() } };
    }
    case "DELETE /_control/faults":
      runtime.faults.clearFaults();
      return { status: 200, body: { faults: [] } };
    // GET|POST /_control/rate-limits - {enabled, scale}
    case "GET /_control/rate-limits":
      return { status: 200, body: runtime.faults.rateLimits() };
    case "POST /_control/rate-limits": {
      const parsed = RateLimitSettingsSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: "invalid settings", issues: issues(parsed.error) } };
      return { status: 200, body: runtime.faults.setRateLimits(parsed.data) };
    }
    // GET|POST /_control/config - where interactions are sent
    case "GET /_control/config":
      return { status: 200, body: { interactivityUrl: runtime.getInteractivityUrl() ?? null } };
    case "POST /_control/config": {
      const parsed = ConfigSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: "invalid config", issues: issues(parsed.error) } };
      runtime.setInteractivityUrl(parsed.data.interactivityUrl ?? undefined);
      return { status: 200, body: { interactivityUrl: runtime.getInteractivityUrl() ?? null } };
    }
    // POST /_control/triggers - a fresh trigger_id for a user, as if they had just clicked
    case "POST /_control/triggers": {
      const user = (body as { user?: unknown }).user;
      if (typeof user !== "string" || !state.users.has(user)) return { status: 400, body: { error: "unknown user" } };
      return { status: 200, body: { triggerId: state.issueTrigger(user).id } };
    }
    // POST /_control/click - a user clicks a button in a message: a signed block_actions is sent
    case "POST /_control/click": {
      const parsed = ClickSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: "invalid click", issues: issues(parsed.error) } };
      const { user, channel, ...rest } = parsed.data;
      return interaction(() =>
        runtime.clickButton({ ...rest, userId: user, channel: state.resolveConversation(channel)?.id ?? channel }),
      );
    }
    // POST /_control/submit - a user submits an open modal: a signed view_submission is sent
    case "POST /_control/submit": {
      const parsed = SubmitSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: "invalid submit", issues: issues(parsed.error) } };
      const { user, ...rest } = parsed.data;
      return interaction(() => runtime.submitView({ ...rest, userId: user }));
    }
    default:
      return { status: 404, body: { error: `no control endpoint ${route}` } };
  }
}

async function interaction(send: () => Promise<unknown>): Promise<ControlResponse> {
  try {
    return { status: 200, body: { outcome: await send() } };
  } catch (error) {
    if (error instanceof InteractionError) return { status: 409, body: { error: error.message } };
    throw error;
  }
}

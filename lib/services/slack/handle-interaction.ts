import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { PrismaClient } from "../../db";
import { isAppError, type AppError } from "../../domain/errors";
import type { JobQueue } from "../../jobs/job-queue";
import { errorFields, type Logger } from "../../log";
import { decideRequest } from "../approvals/decide-request";
import type { ServiceContext } from "../context";
import type { SlackSettings } from "../notifications/settings";
import { recordRefusal } from "../refusals/record-refusal";
import { withRefusalAudit } from "../refusals/with-refusal-audit";
import {
  APPROVE_ACTION_ID,
  DENY_ACTION_ID,
  DENY_MODAL_CALLBACK_ID,
  DENY_REASON_ACTION_ID,
  DENY_REASON_BLOCK_ID,
} from "./action-ids";
import { portalActorForSlackUser, type SlackIdentity } from "./slack-approver";
import { ReplayGuard, verifySlackSignature } from "./verify-slack-request";

// Slack's interactivity requests: verify, acknowledge within 3 s, and decide through the same verb as the portal.

const MAX_BODY_BYTES = 1024 * 1024;

export const NOT_LINKED_MESSAGE = "Your Slack account is not linked to a portal user (matching email).";
export const SIGN_IN_FIRST_MESSAGE =
  "Sign in to the portal first: your approver groups are checked when you sign in, and are trusted for 8 hours.";
const identityRefusal = (identity: Extract<SlackIdentity, { ok: false }>) =>
  identity.reason === "groups-stale" ? SIGN_IN_FIRST_MESSAGE : NOT_LINKED_MESSAGE;
export const GENERIC_FAILURE_MESSAGE = "Something went wrong; try the portal.";

export interface InteractionDeps {
  db: PrismaClient;
  settings: SlackSettings | null;
  client: WebClient;
  queue: () => Promise<JobQueue>;
  /** Runs work after the response is sent (next/server `after` in the route). */
  defer: (task: () => Promise<void>) => void;
  now: () => Date;
  replay: ReplayGuard;
  /** The workspace the bot is installed in, when settings do not pin it (auth.test, cached by the caller). */
  installedTeamId: () => Promise<string | undefined>;
  log: Logger;
}

const SlackRef = z.object({ id: z.string().min(1).max(64) });
const RequestIdValue = z.string().min(1).max(64);

const BlockActions = z.object({
  type: z.literal("block_actions"),
  user: SlackRef,
  team: SlackRef.nullable().optional(),
  trigger_id: z.string().max(255).optional(),
  channel: SlackRef.nullable().optional(),
  container: z
    .object({ channel_id: z.string().max(64).optional(), message_ts: z.string().max(64).optional() })
    .optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .min(1)
    .max(25),
});

const ViewSubmission = z.object({
  type: z.literal("view_submission"),
  user: SlackRef,
  team: SlackRef.nullable().optional(),
  view: z.object({
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3000).optional(),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
    }),
  }),
});

const DenyMetadata = z.object({
  requestId: RequestIdValue,
  channel: z.string().max(64).optional(),
  ts: z.string().max(64).optional(),
});

const DenyReason = z
  .string()
  .trim()
  .min(5, "Say why in at least 5 characters.")
  .max(1000, "Keep the reason under 1000 characters.");

const plain = (status: number, text: string) =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
const ack = () => new Response(null, { status: 200 });
const json = (body: unknown) => Response.json(body, { status: 200, headers: { "cache-control": "no-store" } });

/** POST /api/slack/interactions, as a function of the raw body and headers; never throws. */
export async function handleSlackInteraction(
  deps: InteractionDeps,
  request: { rawBody: string; headers: Headers },
): Promise<Response> {
  const { settings, log } = deps;
  if (!settings) return plain(401, "request not verified");
  if (request.rawBody.length > MAX_BODY_BYTES) return plain(413, "request too large");
  const signature = request.headers.get("x-slack-signature");
  const verdict = verifySlackSignature(
    request.rawBody,
    request.headers.get("x-slack-request-timestamp"),
    signature,
    settings.signingSecret,
    deps.now().getTime(),
  );
  if (!verdict.ok) {
    log.warn({ reason: verdict.reason }, "refused a Slack interaction that failed verification");
    return plain(401, "request not verified");
  }
  let fresh: boolean;
  try {
    fresh = await deps.replay.firstSighting(signature!, deps.now().getTime());
  } catch (error) {
    // Without the replay record nothing is decided: Slack shows the failure and the approver clicks again.
    log.error({ err: errorFields(error) }, "could not check a Slack interaction for replay");
    return plain(503, "try again");
  }
  if (!fresh) {
    log.warn({}, "refused a replayed Slack interaction");
    return plain(401, "request not verified");
  }
  let payload: z.infer<typeof BlockActions> | z.infer<typeof ViewSubmission> | null;
  try {
    payload = parsePayload(request.rawBody);
  } catch {
    return plain(400, "bad payload");
  }
  if (!payload) return ack();
  try {
    const expectedTeam = settings.teamId ?? (await deps.installedTeamId());
    if (!expectedTeam || payload.team?.id !== expectedTeam) {
      log.warn({ teamId: payload.team?.id ?? null }, "refused a Slack interaction from another workspace");
      return plain(403, "wrong workspace");
    }
    if (payload.type === "block_actions") return await onBlockActions(deps, payload, expectedTeam);
    return await onViewSubmission(deps, payload, expectedTeam);
  } catch (error) {
    log.error({ err: errorFields(error) }, "unexpected error in a Slack interaction");
    if (payload.type === "block_actions") {
      const channel = payload.channel?.id ?? payload.container?.channel_id;
      if (channel) deps.defer(() => tellClicker(deps, channel, payload.user.id, GENERIC_FAILURE_MESSAGE));
      return ack();
    }
    return json({ response_action: "errors", errors: { [DENY_REASON_BLOCK_ID]: GENERIC_FAILURE_MESSAGE } });
  }
}

/** The payload when it is a kind this app handles, null for kinds it only acknowledges; throws when malformed. */
function parsePayload(rawBody: string) {
  const field = new URLSearchParams(rawBody).get("payload");
  if (!field) throw new Error("no payload field");
  const raw: unknown = JSON.parse(field);
  const type = z.object({ type: z.string() }).parse(raw).type;
  if (type === "block_actions") return BlockActions.parse(raw);
  if (type === "view_submission") return ViewSubmission.parse(raw);
  return null;
}

/**
 * Deferred decisions wait their turn in this process instead of all asking the database at once: every decision takes
 * the audit chain lock, so a burst of clicks beyond the pool would otherwise time out waiting for a connection.
 */
export function createLimiter(concurrency: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      // A finishing task hands its slot straight to the next waiter, so the count never exceeds the limit.
      if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      else running++;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
const decisionSlots = createLimiter(4);

async function onBlockActions(
  deps: InteractionDeps,
  payload: z.infer<typeof BlockActions>,
  teamId: string,
): Promise<Response> {
  const action = payload.actions[0]!;
  const channel = payload.channel?.id ?? payload.container?.channel_id;
  const requestId = RequestIdValue.safeParse(action.value);
  if (action.action_id === APPROVE_ACTION_ID && requestId.success && channel) {
    // Acknowledged now; the decision runs after the response so Slack's 3 s limit never depends on the database.
    deps.defer(() => decisionSlots.run(() => approveFromSlack(deps, payload.user.id, teamId, channel, requestId.data)));
    return ack();
  }
  if (action.action_id === DENY_ACTION_ID && requestId.success && payload.trigger_id) {
    // The trigger lives 3 s: the modal opens before the acknowledgement, never from a queue.
    await deps.client.views.open({
      trigger_id: payload.trigger_id,
      view: denyModal(requestId.data, channel, payload.container?.message_ts) as never,
    });
    return ack();
  }
  // Link buttons ("Open in portal", "Extend") also send block_actions; they need only the acknowledgement.
  return ack();
}

export function denyModal(requestId: string, channel?: string, ts?: string) {
  return {
    type: "modal",
    callback_id: DENY_MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify({ requestId, channel, ts }),
    title: { type: "plain_text", text: "Deny request" },
    submit: { type: "plain_text", text: "Deny" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: DENY_REASON_BLOCK_ID,
        label: { type: "plain_text", text: "Reason (sent to the requester)" },
        element: {
          type: "plain_text_input",
          action_id: DENY_REASON_ACTION_ID,
          multiline: true,
          min_length: 5,
          max_length: 1000,
        },
      },
    ],
  };
}

async function onViewSubmission(
  deps: InteractionDeps,
  payload: z.infer<typeof ViewSubmission>,
  teamId: string,
): Promise<Response> {
  if (payload.view.callback_id !== DENY_MODAL_CALLBACK_ID) return ack();
  const fail = (message: string) => json({ response_action: "errors", errors: { [DENY_REASON_BLOCK_ID]: message } });
  let metadata: z.infer<typeof DenyMetadata>;
  try {
    metadata = DenyMetadata.parse(JSON.parse(payload.view.private_metadata ?? ""));
  } catch {
    return fail(GENERIC_FAILURE_MESSAGE);
  }
  const reason = DenyReason.safeParse(
    payload.view.state.values[DENY_REASON_BLOCK_ID]?.[DENY_REASON_ACTION_ID]?.value ?? "",
  );
  if (!reason.success) return fail(reason.error.issues[0]?.message ?? "Say why you deny the request.");
  const identity = await portalActorForSlackUser(deps.client, deps.db, payload.user.id, teamId, deps.now());
  if (!identity.ok) {
    await auditUnlinked(deps, identity, payload.user.id, teamId, metadata.requestId);
    return fail(identityRefusal(identity));
  }
  try {
    await decide(deps, identity.actor, metadata.requestId, "DENY", reason.data);
    return ack();
  } catch (error) {
    if (!isAppError(error)) throw error;
    return fail(await refusalMessage(deps, error, metadata.requestId, "DENY"));
  }
}

async function approveFromSlack(
  deps: InteractionDeps,
  slackUserId: string,
  teamId: string,
  channel: string,
  requestId: string,
) {
  try {
    const identity = await portalActorForSlackUser(deps.client, deps.db, slackUserId, teamId, deps.now());
    if (!identity.ok) {
      await auditUnlinked(deps, identity, slackUserId, teamId, requestId);
      await tellClicker(deps, channel, slackUserId, identityRefusal(identity));
      return;
    }
    try {
      await decide(deps, identity.actor, requestId, "APPROVE");
    } catch (error) {
      if (!isAppError(error)) throw error;
      await tellClicker(deps, channel, slackUserId, await refusalMessage(deps, error, requestId, "APPROVE"));
    }
  } catch (error) {
    deps.log.error({ err: errorFields(error) }, "unexpected error deciding from Slack");
    await tellClicker(deps, channel, slackUserId, GENERIC_FAILURE_MESSAGE);
  }
}

/** The portal's own decide verb; expectedVersion is omitted because a button carries no version. */
function decide(
  deps: InteractionDeps,
  actor: Extract<ServiceContext["actor"], { type: "user" }>,
  requestId: string,
  decision: "APPROVE" | "DENY",
  comment?: string,
) {
  const ctx: ServiceContext = { actor, db: deps.db, now: deps.now };
  return withRefusalAudit("request.decide", ctx, requestId, async () =>
    decideRequest({ ctx, queue: await deps.queue(), input: { requestId, decision, comment } }),
  );
}

async function auditUnlinked(
  deps: InteractionDeps,
  identity: Extract<SlackIdentity, { ok: false }>,
  slackUserId: string,
  teamId: string | null,
  requestId: string,
) {
  const ctx: ServiceContext = {
    actor: { type: "anonymous", ip: null, userAgent: "slack" },
    db: deps.db,
    now: deps.now,
  };
  await recordRefusal(ctx, {
    verb: "request.decide",
    target: requestId,
    code: "UNAUTHENTICATED",
    reason: `Slack account not linked to a portal user (${identity.reason})`,
    details: { slackUserId, teamId },
  }).catch((error: unknown) => deps.log.error({ err: errorFields(error) }, "could not audit a Slack refusal"));
}

/** What the clicker reads: the verb's safe message, made concrete when the request was already closed. */
async function refusalMessage(
  deps: InteractionDeps,
  error: AppError,
  requestId: string,
  decision: "APPROVE" | "DENY",
): Promise<string> {
  if (error.code === "SELF_APPROVAL")
    return decision === "APPROVE" ? "You cannot approve your own request." : "You cannot deny your own request.";
  if (error.code !== "CONFLICT") return error.message;
  const request = await deps.db.accessRequest.findUnique({
    where: { id: requestId },
    select: {
      status: true,
      decisions: {
        where: { kind: "REQUEST" },
        select: { decision: true, approver: { select: { name: true, email: true } } },
        orderBy: { createdAt: "desc" },
      },
    },
  });
  if (!request || request.status === "PENDING") return error.message;
  const by = (d: { approver: { name: string | null; email: string | null } } | undefined) =>
    d ? ` by ${d.approver.name ?? d.approver.email}` : "";
  if (request.status === "DENIED")
    return `This request was already denied${by(request.decisions.find((d) => d.decision === "DENY"))}.`;
  if (request.status === "CANCELLED") return "This request was cancelled by the requester.";
  if (request.status === "EXPIRED") return "This request expired without a decision.";
  return `This request was already approved${by(request.decisions.find((d) => d.decision === "APPROVE"))}.`;
}

async function tellClicker(deps: InteractionDeps, channel: string, user: string, text: string) {
  await deps.client.chat
    .postEphemeral({ channel, user, text })
    .catch((error: unknown) => deps.log.warn({ err: errorFields(error) }, "could not tell a Slack user the outcome"));
}

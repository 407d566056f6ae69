import { z } from "zod";
import { displayUserCode, normalizeUserCode } from "../../domain/device-sign-in";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext, UserActor } from "../context";
import { parseInput } from "../parse-input";
import { recordRefusal } from "../refusals/record-refusal";
import { sha256 } from "./device-secrets";
import type { DeviceCodeGuessLimiter } from "./guess-limiter";

export const UserCodeInput = z.object({
  userCode: z.string().max(64, "Enter the code the terminal shows, such as BCDF-GHJK."),
});
export const DecideDeviceAuthorizationInput = UserCodeInput.extend({ decision: z.enum(["APPROVE", "DENY"]) });

export const UNKNOWN_CODE_MESSAGE =
  "That code is not valid or has expired. Check the terminal, or run jit login again.";
export const TOO_MANY_GUESSES_MESSAGE = "Too many wrong codes. Wait 15 minutes and try again.";

export interface PendingDevice {
  userCode: string;
  deviceName: string;
  expiresAt: Date;
}

/** Finds the pending sign-in a typed code names; wrong codes count toward the guess limit and a spent limit refuses every code. */
async function findPending(ctx: ServiceContext, actor: UserActor, limiter: DeviceCodeGuessLimiter, typed: string) {
  const keys = { userId: actor.userId, ip: actor.ip };
  if (await limiter.blocked(keys)) {
    await recordRefusal(ctx, {
      verb: "device.authorize",
      target: null,
      code: "RATE_LIMITED",
      reason: TOO_MANY_GUESSES_MESSAGE,
    });
    throw new AppError("RATE_LIMITED", TOO_MANY_GUESSES_MESSAGE, { audited: true });
  }
  const code = normalizeUserCode(typed);
  const found = code ? await ctx.db.deviceAuthorization.findUnique({ where: { userCodeHash: sha256(code) } }) : null;
  if (!code || !found || found.status !== "PENDING" || found.expiresAt <= ctx.now()) {
    await limiter.recordMiss(keys);
    // The typed text is not recorded: it may be a live code meant for someone else.
    throw new AppError("NOT_FOUND", UNKNOWN_CODE_MESSAGE, { fieldErrors: { userCode: [UNKNOWN_CODE_MESSAGE] } });
  }
  return { ...found, code };
}

/** The /device page: which device asks to sign in with this code. */
export async function lookupDeviceAuthorization({
  ctx,
  input,
  limiter,
}: {
  ctx: ServiceContext;
  input: unknown;
  limiter: DeviceCodeGuessLimiter;
}): Promise<PendingDevice> {
  const actor = requireUser(ctx.actor, "device.authorize");
  const { userCode } = parseInput(UserCodeInput, input);
  const found = await findPending(ctx, actor, limiter, userCode);
  return { userCode: displayUserCode(found.code), deviceName: found.deviceName, expiresAt: found.expiresAt };
}

/** The signed-in person approves (or denies) a device sign-in; the token itself is handed out on the device's next poll. */
export async function decideDeviceAuthorization({
  ctx,
  input,
  limiter,
}: {
  ctx: ServiceContext;
  input: unknown;
  limiter: DeviceCodeGuessLimiter;
}): Promise<{ decision: "APPROVE" | "DENY"; deviceName: string }> {
  const actor = requireUser(ctx.actor, "device.authorize");
  const { userCode, decision } = parseInput(DecideDeviceAuthorizationInput, input);
  const found = await findPending(ctx, actor, limiter, userCode);
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const changed = await tx.deviceAuthorization.updateMany({
      where: { id: found.id, status: "PENDING", expiresAt: { gt: now } },
      data: { status: decision === "APPROVE" ? "APPROVED" : "DENIED", userId: actor.userId, decidedAt: now },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", UNKNOWN_CODE_MESSAGE);
    await emitAudit(tx, actor, {
      action: decision === "APPROVE" ? "device.authorized" : "device.denied",
      entityType: "device_authorization",
      entityId: found.id,
      after: { deviceName: found.deviceName, clientId: found.clientId },
    });
  });
  return { decision, deviceName: found.deviceName };
}

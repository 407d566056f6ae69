import { z } from "zod";
import { answerPoll, apiTokenExpiresAt, DEVICE_CLIENT_ID, type PollAnswer } from "../../domain/device-sign-in";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { newApiToken, sha256 } from "./device-secrets";
import { actorFromUser, API_CHANNEL } from "./user-actor";

export const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";

export const ExchangeDeviceCodeInput = z.object({
  grant_type: z.literal(DEVICE_CODE_GRANT_TYPE),
  device_code: z.string().min(1).max(200),
  client_id: z.literal(DEVICE_CLIENT_ID),
});

export type DeviceTokenAnswer =
  | { ok: true; access_token: string; token_type: "Bearer"; expires_in: number }
  | {
      ok: false;
      error: Exclude<PollAnswer, "issue"> | "invalid_request" | "unsupported_grant_type" | "invalid_client";
      error_description: string;
    };

const DESCRIPTIONS: Record<Exclude<PollAnswer, "issue">, string> = {
  authorization_pending: "Waiting for you to approve the code in the browser.",
  slow_down: "Polling too fast; wait longer between attempts.",
  access_denied: "The sign-in was denied in the browser.",
  expired_token: "The code expired. Run jit login again.",
  invalid_grant: "This code is unknown or was already used. Run jit login again.",
};

/** RFC 8628 section 3.4-3.5: one poll of the CLI; an approved code becomes exactly one token, in one transaction with its audit row. */
export async function exchangeDeviceCode({
  ctx,
  input,
  tokenTtlMinutes,
}: {
  ctx: ServiceContext;
  input: unknown;
  tokenTtlMinutes: number;
}): Promise<DeviceTokenAnswer> {
  const parsed = ExchangeDeviceCodeInput.safeParse(input);
  if (!parsed.success) {
    const fields = new Set(parsed.error.issues.map((issue) => String(issue.path[0])));
    if (fields.has("grant_type"))
      return { ok: false, error: "unsupported_grant_type", error_description: "Only the device code grant is served." };
    if (fields.has("client_id"))
      return { ok: false, error: "invalid_client", error_description: `The client must be "${DEVICE_CLIENT_ID}".` };
    return { ok: false, error: "invalid_request", error_description: "Send the device_code from the device request." };
  }
  const now = ctx.now();
  // No audit-chain lock up front: anonymous polls must not queue every audited write; emitAudit takes it after the row lock, as decide does.
  return ctx.db.$transaction(async (tx) => {
    const hash = sha256(parsed.data.device_code);
    const rows = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM "DeviceAuthorization" WHERE "deviceCodeHash" = ${hash} FOR UPDATE`;
    const authorization = rows[0]
      ? await tx.deviceAuthorization.findUniqueOrThrow({ where: { id: rows[0].id } })
      : null;
    const answer = answerPoll(authorization, now);
    if (authorization && (answer === "authorization_pending" || answer === "slow_down"))
      await tx.deviceAuthorization.update({ where: { id: authorization.id }, data: { lastPolledAt: now } });
    if (answer !== "issue" || !authorization?.userId)
      return {
        ok: false,
        error: answer === "issue" ? "invalid_grant" : answer,
        error_description: DESCRIPTIONS[answer === "issue" ? "invalid_grant" : answer],
      };
    const user = await tx.user.findUnique({ where: { id: authorization.userId } });
    const actor = user
      ? actorFromUser(user, { ip: ctx.actor.type === "anonymous" ? ctx.actor.ip : null, userAgent: API_CHANNEL })
      : null;
    // Single use: the code is spent whether or not the user can still sign in.
    await tx.deviceAuthorization.update({ where: { id: authorization.id }, data: { status: "CONSUMED" } });
    if (!actor) return { ok: false, error: "access_denied", error_description: DESCRIPTIONS.access_denied };
    const token = newApiToken();
    const expiresAt = apiTokenExpiresAt(now, tokenTtlMinutes);
    const row = await tx.apiToken.create({
      data: {
        tokenHash: sha256(token),
        userId: actor.userId,
        deviceName: authorization.deviceName,
        createdAt: now,
        expiresAt,
      },
    });
    await emitAudit(tx, actor, {
      action: "device.token_issued",
      entityType: "api_token",
      entityId: row.id,
      after: { deviceName: row.deviceName, expiresAt, authorizationId: authorization.id },
    });
    return {
      ok: true,
      access_token: token,
      token_type: "Bearer",
      expires_in: Math.floor((expiresAt.getTime() - now.getTime()) / 1000),
    };
  });
}

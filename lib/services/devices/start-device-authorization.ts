import { z } from "zod";
import {
  DEVICE_CLIENT_ID,
  DEVICE_CODE_TTL_SECONDS,
  DEVICE_POLL_INTERVAL_SECONDS,
  displayUserCode,
} from "../../domain/device-sign-in";
import { safeText } from "../../domain/safe-text";
import { Prisma } from "../../generated/prisma/client";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { newDeviceCode, newUserCode, sha256 } from "./device-secrets";

export const StartDeviceAuthorizationInput = z.object({
  client_id: z.literal(DEVICE_CLIENT_ID, { message: `The client must be "${DEVICE_CLIENT_ID}".` }),
  device_name: safeText().min(1, "Name the device (its host name).").max(64, "A device name is at most 64 characters."),
});

export interface DeviceAuthorizationStart {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** RFC 8628 section 3.1-3.2: anyone may ask for a code pair; nothing is granted until a signed-in person approves it. */
export async function startDeviceAuthorization({
  ctx,
  input,
  appUrl,
}: {
  ctx: ServiceContext;
  input: unknown;
  appUrl: string;
}): Promise<DeviceAuthorizationStart> {
  const data = parseInput(StartDeviceAuthorizationInput, input);
  const now = ctx.now();
  // Anyone may ask for codes: rows an hour past their expiry are of no use to anyone and are dropped here.
  await ctx.db.deviceAuthorization.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 3_600_000) } } });
  const deviceCode = newDeviceCode();
  // A live code equal to a new one is vanishingly rare (20^8); drawing again keeps every live code unique.
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    try {
      await ctx.db.deviceAuthorization.create({
        data: {
          deviceCodeHash: sha256(deviceCode),
          userCodeHash: sha256(userCode),
          clientId: data.client_id,
          deviceName: data.device_name,
          expiresAt: new Date(now.getTime() + DEVICE_CODE_TTL_SECONDS * 1000),
        },
      });
      const verificationUri = new URL("/device", appUrl).toString();
      return {
        device_code: deviceCode,
        user_code: displayUserCode(userCode),
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?code=${displayUserCode(userCode)}`,
        expires_in: DEVICE_CODE_TTL_SECONDS,
        interval: DEVICE_POLL_INTERVAL_SECONDS,
      };
    } catch (error) {
      const duplicate = error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
      if (!duplicate || attempt >= 3) throw error;
      // An expired row may hold the code: drop expired rows before drawing again.
      await ctx.db.deviceAuthorization.deleteMany({ where: { expiresAt: { lt: now } } });
    }
  }
}

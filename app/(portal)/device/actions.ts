"use server";

import { decideDeviceAuthorization } from "@/lib/services/devices/decide-device-authorization";
import { revokeApiToken } from "@/lib/services/devices/revoke-api-token";
import { runAction } from "@/lib/web/action";
import { deviceGuessLimiter } from "@/lib/web/api-route";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../form-data";

// POST - approve or deny a `jit login` for the signed-in person; the device receives its token on its next poll.
export async function decideDeviceAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { userCode: text(formData, "userCode") ?? "", decision: text(formData, "decision") };
  const result = await runAction({ verb: "device.authorize", form: formData }, ({ ctx }) =>
    decideDeviceAuthorization({ ctx, input, limiter: deviceGuessLimiter() }),
  );
  // No revalidation: this page re-rendered would look the now-used code up again and count it as a wrong guess.
  if (!result.ok) return result;
  return {
    ok: true,
    message:
      result.data.decision === "APPROVE"
        ? `Approved. ${result.data.deviceName} is now signed in as you; return to the terminal.`
        : `Denied. ${result.data.deviceName} was not signed in.`,
  };
}

// POST - sign one device out (its owner, or an admin).
export async function revokeDeviceAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { tokenId: text(formData, "tokenId") };
  const result = await runAction({ verb: "device.revoke", form: formData, target: input.tokenId }, ({ ctx }) =>
    revokeApiToken({ ctx, input }),
  );
  // The row stays with its message until the next visit, like a retried delivery on the notifications page.
  if (!result.ok) return result;
  return { ok: true, message: `${result.data.deviceName} was signed out.` };
}

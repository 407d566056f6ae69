"use server";

import { revalidatePath } from "next/cache";
import { releaseGrant } from "@/lib/services/grants/release-grant";
import { revokeGrant } from "@/lib/services/grants/revoke-grant";
import { cancelRequest } from "@/lib/services/requests/cancel-request";
import { extendRequest } from "@/lib/services/requests/extend-request";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../../form-data";

// Each action is a public POST: runAction re-reads the session and the verb checks ownership and status itself.

async function done(
  result: { ok: true } | { ok: false; code: string; message: string; fieldErrors?: Record<string, string[]> },
  message: string,
): Promise<FormState> {
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  return { ok: true, message };
}

// POST - the requester withdraws a request that has not started.
export async function cancelRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    requestId: text(formData, "requestId"),
    expectedVersion: text(formData, "expectedVersion") || undefined,
  };
  return done(
    await runAction({ verb: "request.cancel", form: formData, target: input.requestId }, ({ ctx, queue }) =>
      cancelRequest({ ctx, input, queue }),
    ),
    "Request cancelled.",
  );
}

// POST - the requester gives the access back now.
export async function releaseRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    requestId: text(formData, "requestId"),
    expectedVersion: text(formData, "expectedVersion") || undefined,
  };
  return done(
    await runAction({ verb: "request.release", form: formData, target: input.requestId }, ({ ctx, queue }) =>
      releaseGrant({ ctx, input, queue }),
    ),
    "Released: the access is being removed.",
  );
}

// POST - the requester asks for more time.
export async function extendRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    requestId: text(formData, "requestId"),
    extraMinutes: text(formData, "extraMinutes"),
    justification: text(formData, "justification"),
    expectedVersion: text(formData, "expectedVersion") || undefined,
  };
  const result = await runAction(
    { verb: "request.extend", form: formData, target: input.requestId },
    ({ ctx, queue }) => extendRequest({ ctx, input, queue }),
  );
  return done(
    result,
    result.ok && result.data.applied ? "Extended." : "Extension requested: an approver has to agree.",
  );
}

// POST - an approver or admin takes the access away now, with a reason.
export async function revokeRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    requestId: text(formData, "requestId"),
    reason: text(formData, "reason"),
    expectedVersion: text(formData, "expectedVersion") || undefined,
  };
  return done(
    await runAction({ verb: "request.revoke", form: formData, target: input.requestId }, ({ ctx, queue }) =>
      revokeGrant({ ctx, input, queue }),
    ),
    "Revoked: the access is being removed.",
  );
}

"use server";

import { revalidatePath } from "next/cache";
import { decideExtension } from "@/lib/services/approvals/decide-extension";
import { decideRequest } from "@/lib/services/approvals/decide-request";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../form-data";

// POST - approve or deny a pending request; the approver is the session's user, and the verb refuses self-approval.
export async function decideRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    requestId: text(formData, "requestId"),
    decision: text(formData, "decision"),
    comment: text(formData, "comment"),
    expectedVersion: text(formData, "expectedVersion") || undefined,
  };
  const result = await runAction(
    { verb: "request.decide", form: formData, target: input.requestId },
    ({ ctx, queue }) => decideRequest({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  const outcome = result.data;
  return {
    ok: true,
    message:
      input.decision === "DENY"
        ? "Denied."
        : outcome?.status === "APPROVED"
          ? "Approved: access will be granted."
          : `Approval recorded${outcome ? ` (${outcome.approvals} of ${outcome.required})` : ""}.`,
  };
}

// POST - approve or deny a pending extension.
export async function decideExtensionAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    requestId: text(formData, "requestId"),
    decision: text(formData, "decision"),
    comment: text(formData, "comment") || undefined,
    expectedVersion: text(formData, "expectedVersion") || undefined,
  };
  const result = await runAction(
    { verb: "extension.decide", form: formData, target: input.requestId },
    ({ ctx, queue }) => decideExtension({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  const outcome = result.data;
  return {
    ok: true,
    message: outcome?.applied
      ? "Extension approved."
      : outcome?.pending
        ? `Extension approval recorded (${outcome.approvals} of ${outcome.required}).`
        : "Extension denied.",
  };
}

"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { reviewBreakGlass } from "@/lib/services/break-glass/review-break-glass";
import { breakGlassRequest } from "@/lib/services/requests/break-glass-request";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { targetRefs, text } from "../form-data";

// POST (server action) - emergency access; the verb checks the policy's break-glass rules, never the form.
export async function breakGlassAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const [target] = targetRefs(formData);
  const input = {
    accountId: target?.accountId ?? "",
    permissionSetArn: target?.permissionSetArn ?? "",
    durationMinutes: text(formData, "durationMinutes"),
    justification: text(formData, "justification"),
    incident: text(formData, "incident"),
  };
  const result = await runAction(
    { verb: "breakglass.use", form: formData, target: input.accountId },
    ({ ctx, queue }) => breakGlassRequest({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  redirect(`/requests/${result.data.requestId}`);
}

// POST (server action) - an approver or auditor reviews one emergency access use; never their own.
export async function reviewBreakGlassAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    useId: text(formData, "useId"),
    verdict: text(formData, "verdict"),
    comment: text(formData, "comment"),
  };
  const result = await runAction({ verb: "breakglass.review", form: formData, target: input.useId }, ({ ctx }) =>
    reviewBreakGlass({ ctx, input }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  return {
    ok: true,
    message: result.data.review === "JUSTIFIED" ? "Reviewed: justified." : "Reviewed: not justified.",
  };
}

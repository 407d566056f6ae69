"use server";

import { revalidatePath } from "next/cache";
import { requestScorecardSnapshot } from "@/lib/services/scorecard/request-scorecard-snapshot";
import { removeStandingAssignment } from "@/lib/services/scorecard/remove-standing-assignment";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../form-data";

// POST - an admin asks the worker to measure the scorecard now; runAction audits a refusal.
export async function measureScorecardAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { confirm: text(formData, "confirm") };
  const result = await runAction(
    { verb: "scorecard.measure", form: formData, target: "organization" },
    ({ ctx, queue }) => requestScorecardSnapshot({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/scorecard");
  return { ok: true, message: "Measurement requested: reload in a minute to see the new snapshot." };
}

// POST - an admin removes one standing assignment (make it just-in-time); the worker unassigns and verifies it.
export async function removeStandingAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = {
    accountId: text(formData, "accountId"),
    permissionSetArn: text(formData, "permissionSetArn"),
    principalType: text(formData, "principalType"),
    principalId: text(formData, "principalId"),
    reason: text(formData, "reason"),
  };
  const result = await runAction(
    { verb: "scorecard.remove-standing", form: formData, target: `${input.accountId}|${input.principalId}` },
    ({ ctx, queue }) => removeStandingAssignment({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  return {
    ok: true,
    message:
      "Removal queued: the worker removes the assignment and verifies it is gone. Add the rule above to the policy.",
  };
}

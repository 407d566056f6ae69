"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { createRequest } from "@/lib/services/requests/create-request";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { targetRefs, text, texts } from "../../form-data";

// POST (server action) - create an access request; identity comes from the session inside runAction, never from the form.
export async function createRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const targets = targetRefs(formData);
  const groups = texts(formData, "group");
  // A request names accounts or groups; both reach the verb only when both were sent, so it refuses the mix.
  const input = {
    ...(targets.length > 0 || groups.length === 0 ? { targets } : {}),
    ...(groups.length > 0 ? { groups } : {}),
    durationMinutes: text(formData, "durationMinutes"),
    startMode: text(formData, "startMode"),
    startsAt: text(formData, "startsAt") || undefined,
    justification: text(formData, "justification"),
    ticket: text(formData, "ticket"),
  };
  const result = await runAction({ verb: "request.create", form: formData }, ({ ctx, queue }) =>
    createRequest({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  redirect(`/requests/${result.data.requestId}`);
}

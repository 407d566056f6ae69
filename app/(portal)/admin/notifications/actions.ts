"use server";

import { revalidatePath } from "next/cache";
import { retryDelivery } from "@/lib/services/notifications/retry-delivery";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../../form-data";

// A public POST: runAction re-reads the session and the verb checks the admin role and that the delivery is dead.

// POST - an admin sends a dead-lettered notification again.
export async function retryDeliveryAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { deliveryId: text(formData, "deliveryId") };
  const result = await runAction({ verb: "notification.retry", form: formData, target: input.deliveryId }, ({ ctx }) =>
    retryDelivery({ ctx, input }),
  );
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  return { ok: true, message: "Queued again: the worker sends it now." };
}

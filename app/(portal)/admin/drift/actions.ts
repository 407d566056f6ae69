"use server";

import { revalidatePath } from "next/cache";
import { acknowledgeAlert } from "@/lib/services/alerts/acknowledge-alert";
import { acceptDrift } from "@/lib/services/reconcile/accept-drift";
import { removeDrift } from "@/lib/services/reconcile/remove-drift";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../../form-data";

// Each action is a public POST: runAction re-reads the session and the verb checks the admin role and the finding's state.

async function done(
  result: { ok: true } | { ok: false; code: string; message: string; fieldErrors?: Record<string, string[]> },
  message: string,
): Promise<FormState> {
  if (!result.ok) return result;
  revalidatePath("/", "layout");
  return { ok: true, message };
}

// POST - an admin keeps an out-of-band assignment as standing.
export async function acceptDriftAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { findingId: text(formData, "findingId"), reason: text(formData, "reason") };
  return done(
    await runAction({ verb: "drift.accept", form: formData, target: input.findingId }, ({ ctx }) =>
      acceptDrift({ ctx, input }),
    ),
    "Accepted: the assignment is now standing.",
  );
}

// POST - an admin has an out-of-band assignment removed by the worker.
export async function removeDriftAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { findingId: text(formData, "findingId"), reason: text(formData, "reason") };
  return done(
    await runAction({ verb: "drift.remove", form: formData, target: input.findingId }, ({ ctx, queue }) =>
      removeDrift({ ctx, input, queue }),
    ),
    "Removal queued: the worker removes and verifies it.",
  );
}

// POST - an admin takes an alert on.
export async function acknowledgeAlertAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { alertId: text(formData, "alertId"), note: text(formData, "note") || undefined };
  return done(
    await runAction({ verb: "alert.acknowledge", form: formData, target: input.alertId }, ({ ctx }) =>
      acknowledgeAlert({ ctx, input }),
    ),
    "Acknowledged.",
  );
}

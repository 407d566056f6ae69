"use server";

import { revalidatePath } from "next/cache";
import { decideExtension } from "@/lib/services/approvals/decide-extension";
import { decideRequest } from "@/lib/services/approvals/decide-request";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text, texts } from "../form-data";

interface DecisionInput {
  requestId: string | undefined;
  decision: string | undefined;
  comment: string | undefined;
  expectedVersion: string | undefined;
}

// One decision through the decide verb, as the single form and every row of a bulk decision make it.
async function decideOne(formData: FormData, input: DecisionInput): Promise<FormState> {
  const result = await runAction(
    { verb: "request.decide", form: formData, target: input.requestId },
    ({ ctx, queue }) => decideRequest({ ctx, input, queue }),
  );
  if (!result.ok) return result;
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

// POST - approve or deny a pending request; the approver is the session's user, and the verb refuses self-approval.
export async function decideRequestAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const state = await decideOne(formData, {
    requestId: text(formData, "requestId"),
    decision: text(formData, "decision"),
    comment: text(formData, "comment"),
    expectedVersion: text(formData, "expectedVersion") || undefined,
  });
  if (state?.ok) revalidatePath("/", "layout");
  return state;
}

/** One row's result: the decide verb's own outcome (its error code when refused), then which request it was. */
export type BulkOutcome = ({ ok: true; message: string } | { ok: false; code: string; message: string }) & {
  requestId: string;
};

export type BulkState = { ok: true; outcomes: BulkOutcome[] } | { ok: false; message: string } | null;

// More than a page of the queue at once is a mistake, not a decision.
const MAX_BULK = 200;

// POST - the same decision and comment for each selected request: every row is its own call of the decide verb (authorized,
// version-checked and audited on its own), so one refused row does not stop or undo the others.
export async function bulkDecideAction(_previous: BulkState, formData: FormData): Promise<BulkState> {
  const selected = [...new Set(texts(formData, "selected"))];
  if (selected.length === 0) return { ok: false, message: "Select at least one request." };
  if (selected.length > MAX_BULK) return { ok: false, message: `Select at most ${MAX_BULK} requests at once.` };
  const decision = text(formData, "decision");
  const comment = text(formData, "comment");
  const outcomes: BulkOutcome[] = [];
  for (const entry of selected) {
    // "requestId@version": the version each row showed, so a request that changed since is refused, not decided blind.
    const at = entry.lastIndexOf("@");
    const requestId = at < 0 ? entry : entry.slice(0, at);
    const state = await decideOne(formData, {
      requestId,
      decision,
      comment,
      expectedVersion: at < 0 ? undefined : entry.slice(at + 1),
    });
    outcomes.push(
      !state || state.ok
        ? { ok: true, message: state?.message ?? "Decided.", requestId }
        : {
            ok: false,
            code: state.code,
            message: [state.message, ...Object.values(state.fieldErrors ?? {}).flat()].join(" "),
            requestId,
          },
    );
  }
  if (outcomes.some((o) => o.ok)) revalidatePath("/", "layout");
  return { ok: true, outcomes };
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

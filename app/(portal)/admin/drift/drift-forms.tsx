"use client";

import { useState } from "react";
import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { FieldErrors, inputClass } from "@/components/ui/field";
import { acceptDriftAction, acknowledgeAlertAction, removeDriftAction } from "./actions";

/** Accept or remove one out-of-band assignment; either needs a reason, which goes into the audit log. */
export function DriftDecisionForm({ findingId }: { findingId: string }) {
  const accept = useActionForm(acceptDriftAction);
  const remove = useActionForm(removeDriftAction);
  const [last, setLast] = useState<"accept" | "remove">("accept");
  const used = last === "remove" ? remove : accept;
  const state = used.state;
  const pending = accept.pending || remove.pending;
  const reasonId = `drift-reason-${findingId}`;
  const errors = used.errorsFor("reason");
  if (state?.ok) return <FormMessage state={state} testId="drift-message" />;
  return (
    <form
      onSubmit={(event) => {
        const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        const choice = submitter?.value === "remove" ? "remove" : "accept";
        setLast(choice);
        (choice === "remove" ? remove : accept).onSubmit(event);
      }}
      className="space-y-2"
      data-testid="drift-decision-form"
    >
      <input type="hidden" name="findingId" value={findingId} />
      <label htmlFor={reasonId} className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
        Reason <span className="font-normal text-slate-500 dark:text-slate-400">(audited)</span>
      </label>
      <textarea
        id={reasonId}
        name="reason"
        rows={2}
        maxLength={500}
        className={`${inputClass} w-full`}
        aria-invalid={Boolean(errors)}
      />
      <FieldErrors id={`${reasonId}-error`} errors={errors} />
      <FormMessage state={state} fields={["reason"]} testId="drift-message" />
      <div className="flex flex-wrap gap-2">
        <Button
          type="submit"
          name="decision"
          value="accept"
          variant="secondary"
          disabled={pending}
          data-testid="accept-drift"
        >
          Accept as standing
        </Button>
        <Button
          type="submit"
          name="decision"
          value="remove"
          variant="danger"
          disabled={pending}
          data-testid="remove-drift"
        >
          Remove assignment
        </Button>
      </div>
    </form>
  );
}

export function AcknowledgeForm({ alertId }: { alertId: string }) {
  const { state, pending, onSubmit } = useActionForm(acknowledgeAlertAction);
  if (state?.ok) return <FormMessage state={state} testId="acknowledge-message" />;
  return (
    <form onSubmit={onSubmit} className="flex flex-wrap items-start gap-2" data-testid="acknowledge-form">
      <input type="hidden" name="alertId" value={alertId} />
      <input
        name="note"
        maxLength={500}
        placeholder="Note (optional)"
        aria-label="Note"
        className={`${inputClass} w-48`}
      />
      <Button type="submit" size="sm" variant="secondary" disabled={pending} data-testid="acknowledge-alert">
        Acknowledge
      </Button>
      <FormMessage state={state} testId="acknowledge-message" />
    </form>
  );
}

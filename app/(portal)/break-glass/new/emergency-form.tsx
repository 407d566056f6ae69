"use client";

import { useState } from "react";
import type { BreakGlassFormOption } from "@/lib/services/queries/break-glass";
import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { ConfirmSubmit } from "@/components/ui/confirm-submit";
import { Field, inputClass } from "@/components/ui/field";
import { breakGlassAction } from "../actions";

const FIELD_LABELS = {
  target: "Access",
  durationMinutes: "Duration",
  incident: "Incident",
  justification: "What is broken",
};

/** The emergency form: one target, a short window, the incident and the reason, confirmed once in the page. */
export function EmergencyForm({ options }: { options: BreakGlassFormOption[] }) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(breakGlassAction);
  const [selected, setSelected] = useState(0);
  const option = options[selected] ?? options[0]!;
  const aria = (field: string) => ({
    "aria-invalid": Boolean(errorsFor(field)),
    "aria-describedby": errorsFor(field) ? `${field}-error` : undefined,
  });
  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="emergency-form">
      <Field id="target" label="Access" errors={errorsFor("target")} required>
        <select
          id="target"
          name="target"
          className={`${inputClass} w-full`}
          value={`${option.accountId}|${option.permissionSetArn}`}
          onChange={(event) => setSelected(event.currentTarget.selectedIndex)}
          {...aria("target")}
        >
          {options.map((o) => (
            <option key={`${o.accountId}|${o.permissionSetArn}`} value={`${o.accountId}|${o.permissionSetArn}`}>
              {o.permissionSetName} on {o.accountName} ({o.accountId})
            </option>
          ))}
        </select>
      </Field>
      <Field
        id="durationMinutes"
        label="Duration in minutes"
        hint={`At most ${option.maxDurationLabel}. Release it as soon as the incident allows.`}
        errors={errorsFor("durationMinutes")}
        required
      >
        <input
          id="durationMinutes"
          name="durationMinutes"
          inputMode="numeric"
          defaultValue={String(Math.min(60, option.maxDurationMinutes))}
          className={`${inputClass} w-32`}
          {...aria("durationMinutes")}
        />
      </Field>
      <Field
        id="incident"
        label="Incident reference"
        hint={option.incidentExamples.length > 0 ? `For example ${option.incidentExamples.join(" or ")}.` : undefined}
        errors={errorsFor("incident")}
        required
      >
        <input id="incident" name="incident" maxLength={64} className={`${inputClass} w-full`} {...aria("incident")} />
      </Field>
      <Field
        id="justification"
        label="What is broken and what you will do"
        errors={errorsFor("justification")}
        required
      >
        <textarea
          id="justification"
          name="justification"
          rows={3}
          maxLength={2000}
          className={`${inputClass} w-full`}
          {...aria("justification")}
        />
      </Field>
      <FormMessage state={state} fieldLabels={FIELD_LABELS} testId="emergency-message" />
      <div className="max-w-md">
        <ConfirmSubmit
          label="Break glass: get access now"
          question="Access is granted at once, without approval. Security is told now, and an approver or auditor reviews this use afterwards. Continue?"
          confirmLabel="Yes, grant emergency access"
          keepLabel="Cancel"
          variant="danger"
          disabled={pending}
          testId="break-glass-submit"
        />
      </div>
    </form>
  );
}

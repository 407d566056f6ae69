"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { ConfirmSubmit } from "@/components/ui/confirm-submit";
import { RequestNowForm } from "@/components/ui/request-now-form";
import { FieldErrors, inputClass } from "@/components/ui/field";
import { measureScorecardAction, removeStandingAction } from "./actions";

export function MeasureScorecardForm() {
  return <RequestNowForm action={measureScorecardAction} label="Measure now" testId="measure-scorecard" />;
}

/** Removes one standing assignment after an in-page confirmation; the reason goes into the audit log. */
export function RemoveStandingForm({
  accountId,
  permissionSetArn,
  principalType,
  principalId,
  label,
  formId,
}: {
  accountId: string;
  permissionSetArn: string;
  principalType: "USER" | "GROUP";
  principalId: string;
  label: string;
  /** Unique on the page, for the label and error ids. */
  formId: string;
}) {
  const testId = "remove-standing";
  const { state, pending, onSubmit, errorsFor } = useActionForm(removeStandingAction);
  const reasonId = `${formId}-reason`;
  const errors = errorsFor("reason");
  if (state?.ok) return <FormMessage state={state} testId={`${testId}-message`} />;
  return (
    <form onSubmit={onSubmit} className="space-y-2" data-testid={`${testId}-form`}>
      <input type="hidden" name="accountId" value={accountId} />
      <input type="hidden" name="permissionSetArn" value={permissionSetArn} />
      <input type="hidden" name="principalType" value={principalType} />
      <input type="hidden" name="principalId" value={principalId} />
      <label htmlFor={reasonId} className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
        Reason <span className="font-normal text-slate-600 dark:text-slate-400">(audited)</span>
      </label>
      <textarea
        id={reasonId}
        name="reason"
        rows={2}
        maxLength={500}
        className={`${inputClass} w-full`}
        aria-invalid={Boolean(errors)}
        data-testid="remove-standing-reason"
      />
      <FieldErrors id={`${reasonId}-error`} errors={errors} />
      <FormMessage state={state} fields={["reason"]} testId={`${testId}-message`} />
      <ConfirmSubmit
        label="Remove the standing assignment"
        question={`Remove the standing assignment of ${label}? They keep access only through requests.`}
        confirmLabel="Remove it"
        keepLabel="Keep it"
        variant="danger"
        disabled={pending}
        testId={testId}
      />
    </form>
  );
}

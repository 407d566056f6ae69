"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { buttonClass } from "@/components/ui/button";
import { ConfirmSubmit } from "@/components/ui/confirm-submit";
import { FieldErrors, inputClass } from "@/components/ui/field";
import { revokeRequestAction } from "../requests/[id]/actions";

/** The request page's revoke, behind a disclosure and an in-page confirmation; the reason is required and audited. */
export function RevokeElevationForm({ requestId, version }: { requestId: string; version: number }) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(revokeRequestAction);
  const reasonId = `revoke-reason-${requestId}`;
  const errors = errorsFor("reason");
  if (state?.ok) return <FormMessage state={state} testId="revoke-message" />;
  return (
    <details className="group" data-testid="revoke-elevation">
      <summary className={`${buttonClass("secondary", "sm")} cursor-pointer list-none`}>Revoke…</summary>
      <form onSubmit={onSubmit} className="mt-2 space-y-2" data-testid="revoke-form">
        <input type="hidden" name="requestId" value={requestId} />
        <input type="hidden" name="expectedVersion" value={version} />
        <label htmlFor={reasonId} className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
          Reason for revoking{" "}
          <span className="font-normal text-slate-600 dark:text-slate-400">(the requester and auditors see it)</span>
        </label>
        <textarea
          id={reasonId}
          name="reason"
          rows={2}
          maxLength={1000}
          className={`${inputClass} w-full`}
          aria-invalid={Boolean(errors)}
          aria-describedby={errors ? `${reasonId}-error` : undefined}
        />
        <FieldErrors id={`${reasonId}-error`} errors={errors} />
        <FormMessage state={state} fields={["reason"]} testId="revoke-message" />
        <ConfirmSubmit
          label="Revoke access now"
          question="Revoke this access now? The requester loses it at once."
          confirmLabel="Confirm revoke"
          keepLabel="Keep access"
          variant="danger"
          disabled={pending}
          testId="revoke"
        />
      </form>
    </details>
  );
}

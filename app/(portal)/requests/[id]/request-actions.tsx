"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { ConfirmSubmit } from "@/components/ui/confirm-submit";
import { Field, inputClass } from "@/components/ui/field";
import { cancelRequestAction, extendRequestAction, releaseRequestAction, revokeRequestAction } from "./actions";

export function CancelForm({ requestId, version }: { requestId: string; version: number }) {
  const { state, pending, onSubmit } = useActionForm(cancelRequestAction);
  return (
    <form onSubmit={onSubmit} className="space-y-2">
      <input type="hidden" name="requestId" value={requestId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <FormMessage state={state} testId="cancel-message" />
      <ConfirmSubmit
        label="Cancel request"
        question="Cancel this request? Approvers can no longer approve it."
        confirmLabel="Confirm cancel"
        keepLabel="Keep request"
        disabled={pending}
        testId="cancel-request"
      />
    </form>
  );
}

export function ReleaseForm({ requestId, version }: { requestId: string; version: number }) {
  const { state, pending, onSubmit } = useActionForm(releaseRequestAction);
  return (
    <form onSubmit={onSubmit} className="space-y-2">
      <input type="hidden" name="requestId" value={requestId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <p className="text-sm text-slate-600 dark:text-slate-400">Done early? Give the access back now.</p>
      <FormMessage state={state} testId="release-message" />
      <ConfirmSubmit
        label="Release early"
        question="Release it? The assignment is removed from AWS and cannot be resumed."
        confirmLabel="Confirm release"
        keepLabel="Keep access"
        variant="primary"
        disabled={pending}
        testId="release-early"
      />
    </form>
  );
}

export function ExtendForm({
  requestId,
  version,
  needsApproval,
  roomMinutes,
}: {
  requestId: string;
  version: number;
  needsApproval: boolean;
  roomMinutes: number;
}) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(extendRequestAction);
  return (
    <form onSubmit={onSubmit} className="space-y-3" data-testid="extend-form">
      <input type="hidden" name="requestId" value={requestId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <Field
        id="extraMinutes"
        label="Extra minutes"
        errors={errorsFor("extraMinutes")}
        hint={
          roomMinutes > 0
            ? `Up to ${roomMinutes} more minutes within the policy limit.`
            : "The window already has the longest duration the policy allows."
        }
      >
        <input
          id="extraMinutes"
          name="extraMinutes"
          type="number"
          min={5}
          step={5}
          defaultValue={Math.min(30, Math.max(roomMinutes, 5))}
          className={`${inputClass} w-32`}
          aria-invalid={Boolean(errorsFor("extraMinutes"))}
        />
      </Field>
      <Field id="extend-justification" label="Why do you need more time?" errors={errorsFor("justification")}>
        <textarea
          id="extend-justification"
          name="justification"
          rows={2}
          className={`${inputClass} w-full`}
          aria-invalid={Boolean(errorsFor("justification"))}
        />
      </Field>
      <FormMessage state={state} fields={["extraMinutes", "justification"]} testId="extend-message" />
      <Button type="submit" variant="secondary" disabled={pending} className="w-full" data-testid="extend">
        {needsApproval ? "Ask for an extension" : "Extend"}
      </Button>
    </form>
  );
}

export function RevokeForm({ requestId, version }: { requestId: string; version: number }) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(revokeRequestAction);
  return (
    <form onSubmit={onSubmit} className="space-y-3" data-testid="revoke-form">
      <input type="hidden" name="requestId" value={requestId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <Field
        id="revoke-reason"
        label="Reason for revoking"
        required
        errors={errorsFor("reason")}
        hint="The requester and auditors see this."
      >
        <textarea
          id="revoke-reason"
          name="reason"
          rows={2}
          className={`${inputClass} w-full`}
          aria-invalid={Boolean(errorsFor("reason"))}
        />
      </Field>
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
  );
}

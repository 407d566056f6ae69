"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { FieldErrors, inputClass } from "@/components/ui/field";
import { decideExtensionAction, decideRequestAction } from "./actions";

/** Approve or deny with a comment (a denial needs one); the request version travels along so a changed request is refused. */
export function DecisionForm({
  requestId,
  version,
  kind = "request",
  compact = false,
}: {
  requestId: string;
  version?: number;
  kind?: "request" | "extension";
  /** One line for a queue row: the comment is optional to approve, so approving stays one click. */
  compact?: boolean;
}) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(
    kind === "request" ? decideRequestAction : decideExtensionAction,
  );
  const commentId = `comment-${kind}-${requestId}`;
  if (state?.ok) return <FormMessage state={state} testId="decision-message" />;
  return (
    <form
      onSubmit={onSubmit}
      className="space-y-2"
      data-testid={kind === "request" ? "decision-form" : "extension-decision-form"}
    >
      <input type="hidden" name="requestId" value={requestId} />
      {version !== undefined ? <input type="hidden" name="expectedVersion" value={version} /> : null}
      <label
        htmlFor={commentId}
        className={`block font-semibold text-slate-800 dark:text-slate-200 ${compact ? "text-xs" : "text-sm"}`}
      >
        Comment <span className="font-normal text-slate-500 dark:text-slate-400">(required to deny)</span>
      </label>
      {compact ? (
        <input
          id={commentId}
          name="comment"
          className={`${inputClass} w-full`}
          aria-invalid={Boolean(errorsFor("comment"))}
          maxLength={1000}
          autoComplete="off"
        />
      ) : (
        <textarea
          id={commentId}
          name="comment"
          rows={2}
          className={`${inputClass} w-full`}
          aria-invalid={Boolean(errorsFor("comment"))}
          maxLength={1000}
        />
      )}
      <FieldErrors id={`${commentId}-error`} errors={errorsFor("comment")} />
      <FormMessage state={state} fields={["comment"]} testId="decision-message" />
      <div className="flex gap-2">
        <Button
          type="submit"
          name="decision"
          value="APPROVE"
          size={compact ? "sm" : "md"}
          disabled={pending}
          data-testid={kind === "request" ? "approve" : "approve-extension"}
        >
          {kind === "request" ? "Approve" : "Approve extension"}
        </Button>
        <Button
          type="submit"
          name="decision"
          value="DENY"
          variant="danger"
          size={compact ? "sm" : "md"}
          disabled={pending}
          data-testid={kind === "request" ? "deny" : "deny-extension"}
        >
          {kind === "request" ? "Deny" : "Deny extension"}
        </Button>
      </div>
    </form>
  );
}

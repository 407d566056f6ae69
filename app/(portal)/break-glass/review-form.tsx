"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { FieldErrors, inputClass } from "@/components/ui/field";
import { reviewBreakGlassAction } from "./actions";

/** Justified or not justified, with a comment (required when not justified); recorded in the audit log. */
export function BreakGlassReviewForm({ useId }: { useId: string }) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(reviewBreakGlassAction);
  const commentId = `review-comment-${useId}`;
  const errors = errorsFor("comment");
  if (state?.ok) return <FormMessage state={state} testId="review-message" />;
  return (
    <form onSubmit={onSubmit} className="space-y-2" data-testid="break-glass-review-form">
      <input type="hidden" name="useId" value={useId} />
      <label htmlFor={commentId} className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
        Comment <span className="font-normal text-slate-500 dark:text-slate-400">(required if not justified)</span>
      </label>
      <textarea
        id={commentId}
        name="comment"
        rows={2}
        maxLength={2000}
        className={`${inputClass} w-full`}
        aria-invalid={Boolean(errors)}
        aria-describedby={errors ? `${commentId}-error` : undefined}
      />
      <FieldErrors id={`${commentId}-error`} errors={errors} />
      <FormMessage state={state} fields={["comment"]} testId="review-message" />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" name="verdict" value="JUSTIFIED" disabled={pending} data-testid="review-justified">
          Justified
        </Button>
        <Button
          type="submit"
          name="verdict"
          value="NOT_JUSTIFIED"
          variant="danger"
          disabled={pending}
          data-testid="review-not-justified"
        >
          Not justified
        </Button>
      </div>
    </form>
  );
}

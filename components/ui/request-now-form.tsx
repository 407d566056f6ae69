"use client";

import { FormMessage, useActionForm, type FormAction } from "./action-form";
import { Button } from "./button";

/**
 * One button asking the worker to do something now (an inventory sync, a scorecard measurement). It posts confirm=yes,
 * so a bare or replayed post changes nothing; test ids: `<testId>-form`, `<testId>`, `<testId>-message`.
 */
export function RequestNowForm({ action, label, testId }: { action: FormAction; label: string; testId: string }) {
  const { state, pending, onSubmit } = useActionForm(action);
  return (
    <form onSubmit={onSubmit} className="space-y-2" data-testid={`${testId}-form`}>
      <Button type="submit" name="confirm" value="yes" variant="secondary" disabled={pending} data-testid={testId}>
        {pending ? "Requesting…" : label}
      </Button>
      <FormMessage state={state} testId={`${testId}-message`} />
    </form>
  );
}

"use client";

import { startTransition, useActionState, type FormEvent } from "react";
import { Alert } from "./alert";

export type FormState =
  | { ok: true; message?: string }
  | { ok: false; code: string; message: string; fieldErrors?: Record<string, string[]> }
  | null;

export type FormAction = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Submits through onSubmit, not <form action>: React resets a form after its action, and a failed submit must keep what was typed. */
export function useActionForm(action: FormAction) {
  const [state, dispatch, pending] = useActionState(action, null);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const formData = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(formData));
  };
  const errorsFor = (field: string) => (state && !state.ok ? state.fieldErrors?.[field] : undefined);
  return { state, pending, onSubmit, errorsFor };
}

/**
 * The outcome of the last submit. With `fieldLabels`, every field error is listed by the field's name and links to it; otherwise
 * only the errors of fields not on this form (`fields`) are listed, since the others show below their fields.
 */
export function FormMessage({
  state,
  fields = [],
  fieldLabels,
  testId = "form-message",
}: {
  state: FormState;
  fields?: string[];
  fieldLabels?: Record<string, string>;
  testId?: string;
}) {
  if (!state) return null;
  if (state.ok)
    return state.message ? (
      <Alert tone="success" testId={testId}>
        {state.message}
      </Alert>
    ) : null;
  const entries = Object.entries(state.fieldErrors ?? {});
  const named = fieldLabels ? entries.filter(([field]) => field in fieldLabels) : [];
  const orphaned = entries
    .filter(([field]) => !fields.includes(field) && !(fieldLabels && field in fieldLabels))
    .flatMap(([, messages]) => messages);
  return (
    <Alert tone="error" title={state.message} testId={testId}>
      {named.length > 0 || orphaned.length > 0 ? (
        <ul className="list-disc pl-5">
          {named.map(([field, messages]) => (
            <li key={field} data-testid={`error-summary-${field}`}>
              <a href={`#${field}-error`} className="font-semibold underline">
                {fieldLabels![field]}
              </a>
              : {messages.join(" ")}
            </li>
          ))}
          {orphaned.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

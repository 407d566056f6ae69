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

/** The outcome of the last submit, with field errors that have no field of their own on this form. */
export function FormMessage({
  state,
  fields = [],
  testId = "form-message",
}: {
  state: FormState;
  fields?: string[];
  testId?: string;
}) {
  if (!state) return null;
  if (state.ok)
    return state.message ? (
      <Alert tone="success" testId={testId}>
        {state.message}
      </Alert>
    ) : null;
  const orphaned = Object.entries(state.fieldErrors ?? {})
    .filter(([field]) => !fields.includes(field))
    .flatMap(([, messages]) => messages);
  return (
    <Alert tone="error" title={state.message} testId={testId}>
      {orphaned.length > 0 ? (
        <ul className="list-disc pl-5">
          {orphaned.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

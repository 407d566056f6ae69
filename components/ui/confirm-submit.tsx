"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "./button";

type Variant = "primary" | "secondary" | "danger";

/**
 * A submit button that asks once in the page before an action that cannot be undone: the first click turns it into
 * "Confirm …" and "Keep …" (no window.confirm, so it works with keyboards, screen readers and tests alike).
 */
export function ConfirmSubmit({
  label,
  question,
  confirmLabel,
  keepLabel,
  variant = "secondary",
  disabled,
  testId,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  keepLabel: string;
  variant?: Variant;
  disabled?: boolean;
  testId: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const answered = useRef(false);
  useEffect(() => {
    // Focus follows the question and returns to the button when the answer is "keep".
    if (asking) confirmRef.current?.focus();
    else if (answered.current) askRef.current?.focus();
  }, [asking]);

  if (!asking)
    return (
      <Button
        ref={askRef}
        variant={variant}
        disabled={disabled}
        className="w-full"
        data-testid={testId}
        onClick={() => setAsking(true)}
      >
        {label}
      </Button>
    );
  return (
    <div
      role="group"
      aria-labelledby={`${testId}-question`}
      className="space-y-2"
      data-testid={`${testId}-confirmation`}
    >
      <p id={`${testId}-question`} className="text-sm font-semibold text-slate-900 dark:text-slate-100">
        {question}
      </p>
      <div className="flex flex-wrap gap-2">
        <Button
          ref={confirmRef}
          type="submit"
          variant={variant === "secondary" ? "danger" : variant}
          disabled={disabled}
          data-testid={`${testId}-confirm`}
        >
          {confirmLabel}
        </Button>
        <Button
          variant="secondary"
          data-testid={`${testId}-keep`}
          onClick={() => {
            answered.current = true;
            setAsking(false);
          }}
        >
          {keepLabel}
        </Button>
      </div>
    </div>
  );
}

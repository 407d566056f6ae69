"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { retryDeliveryAction } from "./actions";

/** Sends one dead letter again; the label names what is retried, since every row's button reads the same. */
export function RetryDeliveryForm({ deliveryId, label }: { deliveryId: string; label: string }) {
  const { state, pending, onSubmit } = useActionForm(retryDeliveryAction);
  return (
    <form onSubmit={onSubmit} className="space-y-2" data-testid="retry-delivery-form">
      <input type="hidden" name="deliveryId" value={deliveryId} />
      {state?.ok ? null : (
        <Button
          type="submit"
          size="sm"
          variant="secondary"
          disabled={pending}
          aria-label={label}
          data-testid="retry-delivery"
        >
          Retry
        </Button>
      )}
      <FormMessage state={state} testId="retry-message" />
    </form>
  );
}

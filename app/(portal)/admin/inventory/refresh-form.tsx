"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { refreshInventoryAction } from "./actions";

export function RefreshInventoryForm() {
  const { state, pending, onSubmit } = useActionForm(refreshInventoryAction);
  return (
    <form onSubmit={onSubmit} className="space-y-2" data-testid="refresh-inventory-form">
      <Button
        type="submit"
        name="confirm"
        value="yes"
        variant="secondary"
        disabled={pending}
        data-testid="refresh-inventory"
      >
        {pending ? "Requesting…" : "Refresh inventory now"}
      </Button>
      <FormMessage state={state} testId="refresh-inventory-message" />
    </form>
  );
}

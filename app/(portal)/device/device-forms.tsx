"use client";

import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { decideDeviceAction, revokeDeviceAction } from "./actions";

/** Approve or Deny one pending device sign-in; the code travels along and is checked again on the server. */
export function DeviceDecisionForm({ userCode }: { userCode: string }) {
  const { state, pending, onSubmit } = useActionForm(decideDeviceAction);
  if (state?.ok) return <FormMessage state={state} testId="device-message" />;
  return (
    <form onSubmit={onSubmit} className="space-y-3" data-testid="device-decision-form">
      <input type="hidden" name="userCode" value={userCode} />
      <FormMessage state={state} testId="device-message" />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" name="decision" value="APPROVE" disabled={pending} data-testid="device-approve">
          Approve
        </Button>
        <Button
          type="submit"
          name="decision"
          value="DENY"
          variant="danger"
          disabled={pending}
          data-testid="device-deny"
        >
          Deny
        </Button>
      </div>
    </form>
  );
}

/** Signs one device out; the label names the device since every row's button reads the same. */
export function RevokeDeviceForm({ tokenId, label }: { tokenId: string; label: string }) {
  const { state, pending, onSubmit } = useActionForm(revokeDeviceAction);
  return (
    <form onSubmit={onSubmit} className="space-y-2" data-testid="revoke-device-form">
      <input type="hidden" name="tokenId" value={tokenId} />
      {state?.ok ? null : (
        <Button
          type="submit"
          size="sm"
          variant="secondary"
          disabled={pending}
          aria-label={label}
          data-testid="revoke-device"
        >
          Revoke
        </Button>
      )}
      <FormMessage state={state} testId="revoke-device-message" />
    </form>
  );
}

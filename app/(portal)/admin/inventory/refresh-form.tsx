"use client";

import { RequestNowForm } from "@/components/ui/request-now-form";
import { refreshInventoryAction } from "./actions";

export function RefreshInventoryForm() {
  return <RequestNowForm action={refreshInventoryAction} label="Refresh inventory now" testId="refresh-inventory" />;
}

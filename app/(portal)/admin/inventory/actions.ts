"use server";

import { revalidatePath } from "next/cache";
import { refreshInventory } from "@/lib/services/inventory/refresh-inventory";
import { runAction } from "@/lib/web/action";
import type { FormState } from "@/components/ui/action-form";
import { text } from "../../form-data";

// POST - an admin asks the worker to sync accounts, OUs and permission sets from AWS now; runAction audits a refusal.
export async function refreshInventoryAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const input = { confirm: text(formData, "confirm") };
  const result = await runAction({ verb: "inventory.refresh", form: formData, target: "aws" }, ({ ctx, queue }) =>
    refreshInventory({ ctx, input, queue }),
  );
  if (!result.ok) return result;
  revalidatePath("/admin/inventory");
  return { ok: true, message: "Refresh requested: the worker reads AWS again; reload in a minute to see the result." };
}

import "server-only";
import { cache } from "react";
import { requireActor } from "@/lib/auth/actor";
import { getPrisma } from "@/lib/db";
import type { Role } from "@/lib/generated/prisma/enums";
import type { ServiceContext } from "@/lib/services/context";
import { pendingApprovalCount } from "@/lib/services/queries/approval-queue";

/** Signs the page in (redirecting to sign-in or forbidden) and gives it what queries need. */
export async function pageContext(
  anyOf?: Role[],
): Promise<ServiceContext & { actor: Awaited<ReturnType<typeof requireActor>> }> {
  const actor = await requireActor(anyOf);
  return { actor, db: getPrisma(), now: () => new Date() };
}

/** The navigation badge and the home page share one count per render; a broken policy row shows 0 rather than an error page. */
export const pendingCountForViewer = cache(async (): Promise<number> => {
  const ctx = await pageContext();
  return pendingApprovalCount({ ctx }).catch(() => 0);
});

import Link from "next/link";
import type { ActiveBreakGlass } from "@/lib/services/queries/break-glass";

/** Red, on every page for approvers, auditors and admins, while someone holds emergency access. */
export function BreakGlassBanner({ active }: { active: ActiveBreakGlass[] | null }) {
  if (!active || active.length === 0) return null;
  const who = [...new Set(active.map((use) => use.requesterEmail ?? "someone"))].join(", ");
  return (
    <div
      role="alert"
      data-testid="break-glass-banner"
      className="bg-red-800 px-4 py-2 text-center text-sm font-semibold text-white"
    >
      Emergency access is active: {who}
      {active.length > 1 ? ` (${active.length} uses)` : ""}.{" "}
      <Link href="/break-glass" className="underline underline-offset-2">
        Review break-glass uses
      </Link>
    </div>
  );
}

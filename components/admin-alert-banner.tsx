import Link from "next/link";
import type { AlertSummary } from "@/lib/services/queries/alert-summary";

/** Shown to admins and auditors on every page while an alert is unresolved; open ones are loud, acknowledged ones quieter. */
export function AdminAlertBanner({ summary }: { summary: AlertSummary | null }) {
  if (!summary || summary.open + summary.acknowledged === 0) return null;
  const loud = summary.open > 0;
  const parts = [
    summary.open > 0 ? `${summary.open} open` : null,
    summary.acknowledged > 0 ? `${summary.acknowledged} acknowledged` : null,
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <div
      role={loud ? "alert" : "status"}
      data-testid="admin-alert-banner"
      className={`px-4 py-2 text-center text-sm font-semibold ${loud ? "bg-red-700 text-white" : "bg-amber-100 text-amber-950"}`}
    >
      {summary.critical > 0 ? "Access may not have been removed: " : "Needs attention: "}
      {parts} alert{summary.open + summary.acknowledged === 1 ? "" : "s"}
      {summary.openDriftFindings > 0
        ? `, ${summary.openDriftFindings} open drift finding${summary.openDriftFindings === 1 ? "" : "s"}`
        : ""}
      .{" "}
      <Link href="/admin/drift" className="underline underline-offset-2">
        Review
      </Link>
    </div>
  );
}

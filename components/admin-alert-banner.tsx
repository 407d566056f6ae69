import Link from "next/link";
import type { AlertSummary } from "@/lib/services/queries/alert-summary";

/** Shown to admins and auditors on every page while an alert is unresolved (open ones loud, acknowledged ones quieter), and to admins while a notification is dead. */
export function AdminAlertBanner({ summary }: { summary: AlertSummary | null }) {
  if (!summary) return null;
  const alerts = summary.open + summary.acknowledged;
  if (alerts === 0 && summary.deadLetters === 0) return null;
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
      {alerts > 0 ? (
        <>
          {summary.critical > 0 ? "Access may not have been removed: " : "Needs attention: "}
          {parts} alert{alerts === 1 ? "" : "s"}
          {summary.openDriftFindings > 0
            ? `, ${summary.openDriftFindings} open drift finding${summary.openDriftFindings === 1 ? "" : "s"}`
            : ""}
          .{" "}
          <Link href="/admin/drift" className="underline underline-offset-2">
            Review
          </Link>
        </>
      ) : null}
      {summary.deadLetters > 0 ? (
        <>
          {alerts > 0 ? " · " : ""}
          <Link
            href="/admin/notifications?status=DEAD"
            className="underline underline-offset-2"
            data-testid="dead-letter-link"
          >
            {summary.deadLetters} notification{summary.deadLetters === 1 ? "" : "s"} could not be delivered
          </Link>
        </>
      ) : null}
    </div>
  );
}

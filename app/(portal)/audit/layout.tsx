import { hasPermission } from "@/lib/services/authorize";
import { NavLink } from "@/components/nav-link";
import { pageContext } from "../page-context";

export default async function AuditLayout({ children }: { children: React.ReactNode }) {
  const { actor } = await pageContext();
  return (
    <div className="space-y-6">
      {hasPermission(actor, "history.read-all") ? (
        <nav
          aria-label="Audit"
          className="flex flex-wrap gap-1 border-b border-slate-200 pb-2 text-sm dark:border-slate-700"
          data-testid="audit-tabs"
        >
          <NavLink href="/audit" exact>
            Access history
          </NavLink>
          <NavLink href="/audit/insights">Insights</NavLink>
          <NavLink href="/audit/integrity">Chain integrity</NavLink>
          <NavLink href="/audit/refusals">Refused attempts</NavLink>
        </nav>
      ) : null}
      {children}
    </div>
  );
}

import Link from "next/link";
import { rolesAllow } from "@/lib/services/authorize";
import { NavLink } from "./nav-link";

const ROLE_LABELS: Record<string, string> = {
  REQUESTER: "Requester",
  APPROVER: "Approver",
  AUDITOR: "Auditor",
  ADMIN: "Admin",
};

export function NavBar({
  actor,
  pendingApprovals = 0,
  signOutAction,
}: {
  actor: { name: string | null; email: string; roles: string[] };
  pendingApprovals?: number;
  signOutAction: () => Promise<void>;
}) {
  const isRequester = rolesAllow(actor.roles, "request.create");
  const decides = actor.roles.includes("APPROVER") || actor.roles.includes("ADMIN");
  return (
    <header className="border-b border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="font-semibold">
          JIT Access
        </Link>
        <nav className="flex flex-wrap items-center gap-1 text-sm" aria-label="Main">
          <NavLink href="/" exact>
            Home
          </NavLink>
          {isRequester ? <NavLink href="/requests/new">New request</NavLink> : null}
          {decides ? (
            <NavLink href="/approvals">
              Approvals
              {pendingApprovals > 0 ? (
                <span
                  data-testid="pending-approvals-count"
                  aria-label={`${pendingApprovals} waiting`}
                  className="ml-1.5 rounded-full bg-amber-500 px-1.5 py-0.5 text-xs font-semibold text-white tabular-nums"
                >
                  {pendingApprovals}
                </span>
              ) : null}
            </NavLink>
          ) : null}
          <NavLink href="/audit">
            {actor.roles.includes("ADMIN") || actor.roles.includes("AUDITOR") ? "Access history" : "My history"}
          </NavLink>
          <NavLink href="/policy">Policy</NavLink>
          {actor.roles.includes("ADMIN") || actor.roles.includes("AUDITOR") ? (
            <NavLink href="/admin/drift">Drift</NavLink>
          ) : null}
          {rolesAllow(actor.roles, "grants.read-active") ? <NavLink href="/access-now">Access now</NavLink> : null}
          {rolesAllow(actor.roles, "breakglass.read") ? <NavLink href="/break-glass">Break-glass</NavLink> : null}
          {rolesAllow(actor.roles, "inventory.read") ? <NavLink href="/admin/inventory">Inventory</NavLink> : null}
          {rolesAllow(actor.roles, "scorecard.read") ? <NavLink href="/scorecard">Scorecard</NavLink> : null}
          {rolesAllow(actor.roles, "admin.read") ? <NavLink href="/admin/notifications">Notifications</NavLink> : null}
          {rolesAllow(actor.roles, "admin.read") ? <NavLink href="/admin/sessions">Sessions</NavLink> : null}
          <NavLink href="/devices">Devices</NavLink>
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span data-testid="current-user">{actor.name ?? actor.email}</span>
          <span data-testid="current-roles" className="flex gap-1">
            {actor.roles.map((role) => (
              <span
                key={role}
                className="rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700 dark:bg-slate-800 dark:text-slate-300"
              >
                {ROLE_LABELS[role] ?? role}
              </span>
            ))}
          </span>
          <form action={signOutAction}>
            <button
              type="submit"
              className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50 dark:border-slate-600 dark:hover:bg-slate-800"
            >
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}

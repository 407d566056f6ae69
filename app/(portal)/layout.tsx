import { signOut } from "@/lib/auth/auth";
import { AdminAlertBanner } from "@/components/admin-alert-banner";
import { BreakGlassBanner } from "@/components/break-glass-banner";
import { NavBar } from "@/components/nav-bar";
import { alertSummary } from "@/lib/services/queries/alert-summary";
import { activeBreakGlass } from "@/lib/services/queries/break-glass";
import { pageContext, pendingCountForViewer } from "./page-context";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const ctx = await pageContext();
  const { actor } = ctx;
  // Asked together; a failing alert query must not take every page down (the admin page shows its own errors).
  const [pending, alerts, breakGlass] = await Promise.all([
    pendingCountForViewer(),
    alertSummary({ ctx }).catch(() => null),
    activeBreakGlass({ ctx }).catch(() => null),
  ]);

  async function signOutAction() {
    "use server";
    await signOut({ redirectTo: "/signin" });
  }

  return (
    <div className="min-h-screen">
      <a
        href="#content"
        data-testid="skip-link"
        className="sr-only z-50 rounded-md bg-white px-4 py-2 font-semibold text-slate-900 shadow focus:not-sr-only focus:absolute focus:top-2 focus:left-2 dark:bg-slate-900 dark:text-slate-100"
      >
        Skip to content
      </a>
      <BreakGlassBanner active={breakGlass} />
      <AdminAlertBanner summary={alerts} />
      <NavBar
        actor={{ name: actor.name, email: actor.email, roles: actor.roles }}
        pendingApprovals={pending}
        signOutAction={signOutAction}
      />
      {/* tabIndex lets the skip link move focus here, not only scroll. */}
      <main id="content" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 outline-none sm:px-6">
        {children}
      </main>
    </div>
  );
}

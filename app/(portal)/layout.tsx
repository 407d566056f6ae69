import { signOut } from "@/lib/auth/auth";
import { AdminAlertBanner } from "@/components/admin-alert-banner";
import { NavBar } from "@/components/nav-bar";
import { alertSummary } from "@/lib/services/queries/alert-summary";
import { pageContext, pendingCountForViewer } from "./page-context";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const ctx = await pageContext();
  const { actor } = ctx;
  const pending = await pendingCountForViewer();
  // A failing alert query must not take every page down; the admin page shows the same data with its own errors.
  const alerts = await alertSummary({ ctx }).catch(() => null);

  async function signOutAction() {
    "use server";
    await signOut({ redirectTo: "/signin" });
  }

  return (
    <div className="min-h-screen">
      <AdminAlertBanner summary={alerts} />
      <NavBar
        actor={{ name: actor.name, email: actor.email, roles: actor.roles }}
        pendingApprovals={pending}
        signOutAction={signOutAction}
      />
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </div>
  );
}

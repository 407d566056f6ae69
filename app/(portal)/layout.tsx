import { signOut } from "@/lib/auth/auth";
import { NavBar } from "@/components/nav-bar";
import { pageContext, pendingCountForViewer } from "./page-context";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const { actor } = await pageContext();
  const pending = await pendingCountForViewer();

  async function signOutAction() {
    "use server";
    await signOut({ redirectTo: "/signin" });
  }

  return (
    <div className="min-h-screen">
      <NavBar actor={{ name: actor.name, email: actor.email, roles: actor.roles }} pendingApprovals={pending} signOutAction={signOutAction} />
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </div>
  );
}

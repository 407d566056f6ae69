import { requireActor } from "@/lib/auth/actor";
import { signOut } from "@/lib/auth/auth";
import { NavBar } from "@/components/nav-bar";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const actor = await requireActor();

  async function signOutAction() {
    "use server";
    await signOut({ redirectTo: "/signin" });
  }

  return (
    <div className="min-h-screen">
      <NavBar actor={{ name: actor.name, email: actor.email, roles: actor.roles }} signOutAction={signOutAction} />
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </div>
  );
}

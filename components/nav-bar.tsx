import Link from "next/link";

const ROLE_LABELS: Record<string, string> = { REQUESTER: "Requester", APPROVER: "Approver", AUDITOR: "Auditor", ADMIN: "Admin" };

export function NavBar({ actor, signOutAction }: { actor: { name: string | null; email: string; roles: string[] }; signOutAction: () => Promise<void> }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center gap-6 px-6 py-3">
        <Link href="/" className="font-semibold">
          JIT Access
        </Link>
        <nav className="flex gap-4 text-sm text-slate-600">
          <Link href="/">Home</Link>
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span data-testid="current-user">{actor.name ?? actor.email}</span>
          <span data-testid="current-roles" className="flex gap-1">
            {actor.roles.map((role) => (
              <span key={role} className="rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700">
                {ROLE_LABELS[role] ?? role}
              </span>
            ))}
          </span>
          <form action={signOutAction}>
            <button type="submit" className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-50">
              Sign out
            </button>
          </form>
        </div>
      </div>
    </header>
  );
}

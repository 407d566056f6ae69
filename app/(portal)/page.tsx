import { requireActor } from "@/lib/auth/actor";

export default async function HomePage() {
  const actor = await requireActor();
  return (
    <section>
      <h1 className="text-2xl font-semibold">Welcome, {actor.name ?? actor.email}</h1>
      <p className="mt-2 text-slate-600" data-testid="role-summary">
        Signed in as {actor.email} with roles: {actor.roles.join(", ").toLowerCase()}.
      </p>
    </section>
  );
}

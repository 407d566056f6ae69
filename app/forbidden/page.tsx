import Link from "next/link";

export default function ForbiddenPage() {
  return (
    <main className="mx-4 mt-24 max-w-md rounded-xl border border-slate-200 bg-white p-8 sm:mx-auto dark:border-slate-700 dark:bg-slate-900">
      <h1 className="text-xl font-semibold">Not allowed</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">Your role does not give access to that page.</p>
      <Link href="/" className="mt-4 inline-block text-sky-700 underline dark:text-sky-300">
        Back to the portal
      </Link>
    </main>
  );
}

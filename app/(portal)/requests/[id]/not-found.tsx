import Link from "next/link";

export default function RequestNotFound() {
  return (
    <div
      className="mx-auto mt-12 max-w-md rounded-xl border border-slate-200 bg-white p-8 dark:border-slate-700 dark:bg-slate-900"
      data-testid="request-not-found"
    >
      <h1 className="text-xl font-semibold">Request not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">There is no such request, or it is not yours to see.</p>
      <Link href="/" className="mt-4 inline-block text-sky-700 underline dark:text-sky-300">
        Back to your requests
      </Link>
    </div>
  );
}

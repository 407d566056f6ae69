import type { SessionNotice } from "@/lib/domain/request-presentation";

/** The request's one sentence about its AWS sessions (lib/domain/request-presentation.ts sessionNotice). */
export function SessionWarning({ notice }: { notice: SessionNotice }) {
  return (
    <p
      data-testid="session-warning"
      data-kind={notice.kind}
      className={`mt-2 rounded-md px-3 py-2 text-xs ring-1 ring-inset ${
        notice.kind === "cut"
          ? "bg-sky-50 text-sky-900 ring-sky-200 dark:bg-sky-950 dark:text-sky-100 dark:ring-sky-800"
          : "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-800"
      }`}
    >
      {notice.text}
    </p>
  );
}

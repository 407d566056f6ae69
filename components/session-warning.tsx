import type { SessionNotice } from "@/lib/domain/request-presentation";

/** The request's one sentence about its AWS sessions (lib/domain/request-presentation.ts sessionNotice). */
export function SessionWarning({ notice }: { notice: SessionNotice }) {
  return (
    <p
      data-testid="session-warning"
      data-kind={notice.kind}
      className={`mt-2 rounded-md px-3 py-2 text-xs ring-1 ring-inset ${
        notice.kind === "cut" ? "bg-sky-50 text-sky-900 ring-sky-200" : "bg-amber-50 text-amber-900 ring-amber-200"
      }`}
    >
      {notice.text}
    </p>
  );
}

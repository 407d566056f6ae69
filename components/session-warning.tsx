/** The request's one session-length sentence (lib/domain/request-presentation.ts sessionWarningText). */
export function SessionWarning({ text }: { text: string }) {
  return (
    <p
      data-testid="session-warning"
      className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200 ring-inset dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-800"
    >
      {text} Removing the assignment does not end sessions already open: sign out of the AWS console when you are done.
    </p>
  );
}

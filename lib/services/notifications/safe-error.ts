import { scrubText } from "../../log";

/** An error as one line fit for the admin page and logs: secrets and URL query strings removed, length capped. */
export function safeErrorText(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // A webhook URL's query often is its credential (Teams, Slack incoming webhooks).
  const withoutQueries = message
    .replace(/(https?:\/\/)[^\s/@"']+@/g, "$1[redacted]@")
    .replace(/(https?:\/\/[^\s?#"']+)\?[^\s"']*/g, "$1?[redacted]");
  return scrubText(withoutQueries).replace(/\s+/g, " ").slice(0, 500);
}

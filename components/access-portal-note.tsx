import { getEnv } from "@/lib/env";
import { buttonClass } from "./ui/button";

/** Where to use an active grant: the AWS access portal, or a note that the simulator has no console. */
export function AccessPortalNote() {
  const env = getEnv();
  if (env.usingSimulator) {
    return (
      <p data-testid="simulator-note" className="text-xs text-slate-500 dark:text-slate-400">
        Simulated AWS: the assignment exists in the local Identity Center simulator; there is no console to open.
      </p>
    );
  }
  if (!env.AWS_ACCESS_PORTAL_URL) return null;
  return (
    <a
      href={env.AWS_ACCESS_PORTAL_URL}
      target="_blank"
      rel="noopener noreferrer"
      className={buttonClass("secondary", "sm")}
      data-testid="access-portal-link"
    >
      Open AWS access portal ↗
    </a>
  );
}

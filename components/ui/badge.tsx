import { GRANT_STATUS_LABELS, REQUEST_STATUS_LABELS } from "../format";

type Tone = "gray" | "amber" | "sky" | "green" | "red" | "violet";

const TONES: Record<Tone, string> = {
  gray: "bg-slate-100 dark:bg-slate-800 text-slate-700 dark:text-slate-300 ring-slate-200 dark:ring-slate-700",
  amber: "bg-amber-50 dark:bg-amber-950 text-amber-800 dark:text-amber-200 ring-amber-200 dark:ring-amber-800",
  sky: "bg-sky-50 dark:bg-sky-950 text-sky-800 dark:text-sky-200 ring-sky-200 dark:ring-sky-800",
  green:
    "bg-emerald-50 dark:bg-emerald-950 text-emerald-800 dark:text-emerald-200 ring-emerald-200 dark:ring-emerald-800",
  red: "bg-red-50 dark:bg-red-950 text-red-800 dark:text-red-200 ring-red-200 dark:ring-red-800",
  violet: "bg-violet-50 dark:bg-violet-950 text-violet-800 dark:text-violet-200 ring-violet-200 dark:ring-violet-800",
};

const STATUS_TONES: Record<string, Tone> = {
  PENDING: "amber",
  APPROVED: "sky",
  SCHEDULED: "sky",
  PROVISIONING: "violet",
  REMOVING: "violet",
  ENDING: "violet",
  ACTIVE: "green",
  COMPLETED: "gray",
  REMOVED: "gray",
  CANCELLED: "gray",
  EXPIRED: "gray",
  DENIED: "red",
  REVOKED: "red",
  FAILED: "red",
  REMOVAL_FAILED: "red",
};

export function Badge({
  tone = "gray",
  children,
  testId,
}: {
  tone?: Tone;
  children: React.ReactNode;
  testId?: string;
}) {
  return (
    <span
      data-testid={testId}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold whitespace-nowrap ring-1 ring-inset ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}

/**
 * One badge for request and grant statuses; data-status carries the raw value for tests and scripts. A derived status
 * (ENDING, from lib/domain/request-presentation.ts) brings its own label and keeps the raw one in data-status.
 */
export function StatusBadge({
  status,
  kind = "request",
  label,
  rawStatus,
}: {
  status: string;
  kind?: "request" | "grant";
  label?: string | null;
  rawStatus?: string;
}) {
  const text = label ?? (kind === "grant" ? GRANT_STATUS_LABELS : REQUEST_STATUS_LABELS)[status] ?? status;
  const tone = STATUS_TONES[status] ?? "gray";
  const moving = status === "PROVISIONING" || status === "REMOVING" || status === "ENDING";
  return (
    <span
      data-testid={`${kind}-status`}
      data-status={rawStatus ?? status}
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold whitespace-nowrap ring-1 ring-inset ${TONES[tone]}`}
    >
      {moving ? <span aria-hidden className="size-1.5 animate-pulse rounded-full bg-current" /> : null}
      {text}
    </span>
  );
}

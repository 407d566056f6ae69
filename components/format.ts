// Pure display helpers shared by server and client components.

export function formatMinutes(minutes: number): string {
  if (!Number.isFinite(minutes)) return "—";
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** "2 h 05 m", "4 m 09 s": precise enough for a countdown, short enough for a table cell. */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return "ended";
  const total = Math.floor(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (hours > 0) return `${hours} h ${pad(minutes)} m`;
  return `${minutes} m ${pad(seconds)} s`;
}

/** "0.4 s", "12 s", "3 min 05 s": how long a job took. */
export function formatDuration(ms: number): string {
  const safe = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  if (safe < 10_000) return `${(Math.round(safe / 100) / 10).toFixed(1)} s`;
  const seconds = Math.round(safe / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

export function formatAge(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "<1 min";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

export const REQUEST_STATUS_LABELS: Record<string, string> = {
  PENDING: "Waiting for approval",
  APPROVED: "Approved",
  ACTIVE: "Active",
  COMPLETED: "Completed",
  DENIED: "Denied",
  CANCELLED: "Cancelled",
  EXPIRED: "Expired",
  REVOKED: "Revoked",
  FAILED: "Failed",
};

export const GRANT_STATUS_LABELS: Record<string, string> = {
  SCHEDULED: "Scheduled",
  PROVISIONING: "Being granted",
  ACTIVE: "Active",
  FAILED: "Failed",
  REMOVING: "Being removed",
  REMOVED: "Removed",
  REMOVAL_FAILED: "Removal failed",
  CANCELLED: "Cancelled",
};

export function targetLabel(t: { permissionSetName: string; accountName: string }): string {
  return `${t.permissionSetName} on ${t.accountName}`;
}

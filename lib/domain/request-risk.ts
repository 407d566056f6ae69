// What makes a request worth a second look, shown to approvers at a glance (Slack, mail, queue).

export type RiskFlag = "administrator" | "production" | "long-window" | "off-hours" | "no-ticket";

export const RISK_LABELS: Record<RiskFlag, string> = {
  administrator: "Administrator access",
  production: "Production account",
  "long-window": "Long window",
  "off-hours": "Outside working hours (UTC)",
  "no-ticket": "No ticket",
};

const ADMIN_SET = /admin|fullaccess/i;
const PRODUCTION = /(^|[^a-z])prod/i;
export const LONG_WINDOW_MINUTES = 240;

export interface RiskSubject {
  /** ouPath, when known, counts too: an account in a Production OU is production whatever its name. */
  targets: readonly { accountName: string; permissionSetName: string; ouPath?: string }[];
  durationMinutes: number;
  startsAt: Date;
  ticket: string | null;
}

/** The flags in a fixed order, most serious first. */
export function requestRisks(subject: RiskSubject): RiskFlag[] {
  const flags: RiskFlag[] = [];
  if (subject.targets.some((t) => ADMIN_SET.test(t.permissionSetName))) flags.push("administrator");
  if (subject.targets.some((t) => PRODUCTION.test(t.accountName) || PRODUCTION.test(t.ouPath ?? "")))
    flags.push("production");
  if (subject.durationMinutes > LONG_WINDOW_MINUTES) flags.push("long-window");
  const day = subject.startsAt.getUTCDay();
  const hour = subject.startsAt.getUTCHours();
  if (day === 0 || day === 6 || hour < 7 || hour >= 19) flags.push("off-hours");
  if (!subject.ticket) flags.push("no-ticket");
  return flags;
}

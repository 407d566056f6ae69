import type { GrantStatus } from "@/lib/domain/request-lifecycle";
import { StatusBadge } from "@/components/ui/badge";

/** "PowerUser on payments-prod (210987654321)", then "prod-db-admins (Identity Center group)", one per line. */
export function TargetList({
  targets,
  groups = [],
  showOu = false,
}: {
  targets: { accountId: string; accountName: string; ouPath?: string; permissionSetName: string }[];
  /** Group targets with their grant's status (null before approval: nothing to show yet). */
  groups?: { groupName: string; shortLabel: string; grantStatus?: GrantStatus | null }[];
  showOu?: boolean;
}) {
  return (
    <ul className="space-y-0.5">
      {targets.map((t) => (
        <li key={`${t.accountId}|${t.permissionSetName}`} className="text-sm">
          <span className="font-semibold">{t.permissionSetName}</span>{" "}
          <span className="text-slate-500 dark:text-slate-400">on</span> {t.accountName}{" "}
          <span className="font-mono text-xs text-slate-500 dark:text-slate-400">{t.accountId}</span>
          {showOu && t.ouPath ? (
            <span className="block text-xs text-slate-500 dark:text-slate-400">{t.ouPath}</span>
          ) : null}
        </li>
      ))}
      {groups.map((g) => (
        <li key={`group|${g.groupName}`} className="text-sm" data-testid="group-target" data-group={g.groupName}>
          <span className="font-semibold">{g.shortLabel}</span>
          {g.grantStatus ? (
            <>
              {" "}
              <StatusBadge status={g.grantStatus} kind="grant" />
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** "PowerUser on payments-prod (210987654321)", one per line. */
export function TargetList({
  targets,
  showOu = false,
}: {
  targets: { accountId: string; accountName: string; ouPath?: string; permissionSetName: string }[];
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
    </ul>
  );
}

import type { PolicyHistory } from "@/lib/services/queries/policy-history";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";

const KIND_TONES = { added: "green", removed: "red", changed: "amber" } as const;

/** The policy page's version line, the refused-file notice and the last changes with what each one changed. */
export function PolicyVersions({ history }: { history: PolicyHistory }) {
  const { current, changes, invalidFile } = history;
  return (
    <Card
      title="Versions and changes"
      testId="policy-versions"
      actions={
        <a
          href="/api/policy/history"
          download
          className={buttonClass("secondary", "sm")}
          data-testid="policy-history-export"
        >
          Export all changes (JSONL)
        </a>
      }
    >
      <div className="space-y-4">
        {current ? (
          <p className="text-sm" data-testid="policy-version" data-version={current.version}>
            In force: <strong>version {current.version}</strong>, loaded{" "}
            <LocalTime iso={current.loadedAt.toISOString()} />
            {current.previousVersion !== null ? <>; previous version {current.previousVersion}</> : null}. Edits to the
            policy file apply within seconds, without a restart.
          </p>
        ) : null}
        {invalidFile ? (
          <Alert tone="error" title="The changed policy file was not loaded" testId="policy-invalid">
            <p className="break-words">{invalidFile.subject}</p>
            <p className="mt-1 text-xs">
              Since <LocalTime iso={invalidFile.since.toISOString()} />. Fix the file; the alert clears once a valid
              version loads.
            </p>
          </Alert>
        ) : null}
        {changes.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">No policy changes recorded yet.</p>
        ) : (
          <ol className="space-y-3">
            {changes.map((change) => (
              <li
                key={change.seq}
                data-testid="policy-change"
                className="rounded-lg border border-slate-200 px-4 py-3 text-sm dark:border-slate-700"
              >
                <p className="font-semibold">
                  {change.version !== null ? `Version ${change.version}` : "A version no longer stored"}
                  {change.first
                    ? " loaded"
                    : change.previousVersion !== null
                      ? ` replaced version ${change.previousVersion}`
                      : " replaced an earlier version"}
                  <span className="font-normal text-slate-600 dark:text-slate-400">
                    {" "}
                    · <LocalTime iso={change.at.toISOString()} />
                  </span>
                </p>
                {change.first ? null : change.lines.length === 0 ? (
                  <p className="mt-1 text-slate-600 dark:text-slate-400">No rule changed (formatting only).</p>
                ) : (
                  <ul className="mt-2 space-y-1">
                    {change.lines.map((line, index) => (
                      <li key={index} data-testid="policy-change-line">
                        <Badge tone={KIND_TONES[line.kind]}>{line.kind}</Badge>{" "}
                        <span className="break-words">{line.text}</span>
                        {line.details.length > 0 ? (
                          <ul className="mt-1 ml-5 list-disc text-slate-700 dark:text-slate-300">
                            {line.details.map((detail) => (
                              <li key={detail} className="font-mono text-xs break-all">
                                {detail}
                              </li>
                            ))}
                          </ul>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        )}
      </div>
    </Card>
  );
}

import { readPageNumber } from "@/lib/domain/pagination";
import { getActivePolicyView } from "@/lib/services/queries/policy-view";
import { getPolicyHistory } from "@/lib/services/queries/policy-history";
import { PolicyVersions } from "@/components/policy/policy-versions";
import { formatMinutes } from "@/components/format";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { Pagination } from "@/components/ui/pagination";
import { TableScroll } from "@/components/ui/table-scroll";
import { pageContext } from "../page-context";

function List({ items, empty = "—" }: { items: string[] | undefined; empty?: string }) {
  if (!items || items.length === 0) return <span className="text-slate-500 dark:text-slate-400">{empty}</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {items.map((item) => (
        <code key={item} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs dark:bg-slate-800">
          {item === "*" ? "any" : item}
        </code>
      ))}
    </span>
  );
}

export default async function PolicyPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ctx = await pageContext();
  const [policy, history] = await Promise.all([
    getActivePolicyView({ ctx, page: readPageNumber((await searchParams).page) }),
    getPolicyHistory({ ctx }),
  ]);
  if (!policy) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Access policy</h1>
        <Alert tone="warning" title="No policy is loaded">
          Nothing can be requested until the portal loads its policy file at start-up.
        </Alert>
      </div>
    );
  }
  const doc = policy.document;
  const accountLabel = (id: string) =>
    id === "*" ? "any account" : policy.accountNames[id] ? `${policy.accountNames[id]} (${id})` : id;
  const ouLabel = (id: string) => (policy.ouNames[id] ? `${policy.ouNames[id]} (${id})` : id);
  const accounts = (selector: { ids?: string[]; ous?: string[] }) => [
    ...(selector.ids ?? []).map(accountLabel),
    ...(selector.ous ?? []).map((ou) => `OU ${ouLabel(ou)}`),
  ];
  const who = (selector: { groups?: string[]; users?: string[]; identityCenterGroups?: string[] }) => [
    ...(selector.groups ?? []).map((g) => (g === "*" ? "everyone" : `group ${g}`)),
    ...(selector.identityCenterGroups ?? []).map((g) => `Identity Center group ${g}`),
    ...(selector.users ?? []),
  ];
  // The columns allow and deny rules share: which rule, who, where and what.
  const scopeCells = (rule: {
    id: string;
    description?: string;
    requesters: Parameters<typeof who>[0];
    accounts: Parameters<typeof accounts>[0];
    permissionSets: string[];
  }) => (
    <>
      <td className="min-w-56 px-5 py-3">
        <code className="font-semibold">{rule.id}</code>
        {rule.description ? (
          <p className="mt-1 max-w-xs text-xs text-slate-600 dark:text-slate-400">{rule.description}</p>
        ) : null}
      </td>
      <td className="px-5 py-3">
        <List items={who(rule.requesters)} />
      </td>
      <td className="px-5 py-3">
        <List items={accounts(rule.accounts)} />
      </td>
      <td className="px-5 py-3">
        <List items={rule.permissionSets} />
      </td>
    </>
  );

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Access policy</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Read-only. Loaded from <code>{policy.sourcePath}</code> on <LocalTime iso={policy.loadedAt.toISOString()} />;
          changes go through the repository. Deny by default; a deny rule always wins; when several rules match, the
          strictest requirement applies.
        </p>
      </div>

      <PolicyVersions history={history} />

      {!doc ? (
        <Alert tone="error" title="The stored policy no longer validates">
          Nothing can be requested until a valid policy is loaded. The raw document is below.
        </Alert>
      ) : (
        <>
          <Card title={`Allow rules (${doc.rules.length})`} testId="policy-rules">
            <div className="space-y-3">
              <Pagination page={policy.rulesPage} path="/policy" label="Allow rules" testId="policy-rules-pages" />
              <RuleTable
                label="Allow rules"
                columns={["Rule", "Who", "Accounts", "Permission sets", "Max", "Ticket", "Approval", "Extension"]}
              >
                {policy.rules.map((rule) => (
                  <tr key={rule.id} data-testid="policy-rule">
                    {scopeCells(rule)}
                    <td className="px-5 py-3 whitespace-nowrap">{formatMinutes(rule.maxDurationMinutes)}</td>
                    <td className="px-5 py-3">
                      {rule.ticket.required ? "required" : "optional"}
                      {rule.ticket.pattern ? <code className="mt-1 block text-xs">{rule.ticket.pattern}</code> : null}
                    </td>
                    <td className="px-5 py-3">
                      {rule.approval.auto ? (
                        <Badge tone="green">automatic</Badge>
                      ) : (
                        <>
                          {rule.approval.required} from <List items={rule.approval.approvers?.groups} />
                          {rule.approval.distinctGroups ? (
                            <span className="block text-xs text-slate-500 dark:text-slate-400">distinct groups</span>
                          ) : null}
                          {policy.approvalWindows[rule.id] !== undefined ? (
                            <span
                              className="block text-xs text-slate-500 dark:text-slate-400"
                              data-testid="approval-window"
                            >
                              waits up to {formatMinutes(policy.approvalWindows[rule.id]!)}
                            </span>
                          ) : null}
                        </>
                      )}
                    </td>
                    <td className="px-5 py-3 text-xs">
                      {rule.extension.allowed
                        ? rule.extension.requiresApproval
                          ? "with approval"
                          : "self-service"
                        : "not allowed"}
                    </td>
                  </tr>
                ))}
              </RuleTable>
            </div>
          </Card>

          <Card title={`Deny rules (${doc.deny.length})`} testId="policy-deny-rules">
            {doc.deny.length === 0 ? (
              <p className="text-sm text-slate-500 dark:text-slate-400">
                No explicit deny rules; anything no allow rule covers is denied anyway.
              </p>
            ) : (
              <RuleTable label="Deny rules" columns={["Rule", "Who", "Accounts", "Permission sets", "Reason shown"]}>
                {doc.deny.map((rule) => (
                  <tr key={rule.id} data-testid="policy-deny-rule">
                    {scopeCells(rule)}
                    <td className="px-5 py-3">{rule.reason}</td>
                  </tr>
                ))}
              </RuleTable>
            )}
          </Card>
          <Card title={`Break-glass rules (${doc.breakGlass.length})`} testId="policy-break-glass-rules">
            {doc.breakGlass.length === 0 ? (
              <p className="text-sm text-slate-500 dark:text-slate-400">
                No emergency access: every access goes through its approvals.
              </p>
            ) : (
              <RuleTable
                label="Break-glass rules"
                columns={["Rule", "Who", "Accounts", "Permission sets", "At most", "Incident"]}
              >
                {doc.breakGlass.map((rule) => (
                  <tr key={rule.id} data-testid="policy-break-glass-rule">
                    {scopeCells(rule)}
                    <td className="px-5 py-3 whitespace-nowrap">{formatMinutes(rule.maxDurationMinutes)}</td>
                    <td className="px-5 py-3">
                      <code className="text-xs">{rule.incident.hint ?? rule.incident.pattern}</code>
                    </td>
                  </tr>
                ))}
              </RuleTable>
            )}
          </Card>
          {doc.groupRules && doc.groupRules.length > 0 ? (
            <Card title={`Group membership rules (${doc.groupRules.length})`} testId="policy-group-rules">
              <RuleTable
                label="Group membership rules"
                columns={["Rule", "Who", "Identity Center groups", "Max", "Approval"]}
              >
                {doc.groupRules.map((rule) => (
                  <tr key={rule.id} data-testid="policy-group-rule">
                    <td className="min-w-56 px-5 py-3">
                      <code className="font-semibold">{rule.id}</code>
                      {rule.description ? (
                        <p className="mt-1 max-w-xs text-xs text-slate-600 dark:text-slate-400">{rule.description}</p>
                      ) : null}
                    </td>
                    <td className="px-5 py-3">
                      <List items={who(rule.requesters)} />
                    </td>
                    <td className="px-5 py-3">
                      <List items={rule.identityCenterGroups} />
                    </td>
                    <td className="px-5 py-3 whitespace-nowrap">{formatMinutes(rule.maxDurationMinutes)}</td>
                    <td className="px-5 py-3">
                      {rule.approval.auto ? (
                        <Badge tone="green">automatic</Badge>
                      ) : (
                        <>
                          {rule.approval.required} from <List items={rule.approval.approvers?.groups} />
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </RuleTable>
            </Card>
          ) : null}
          <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="approval-expiry-note">
            A pending request waits {formatMinutes(doc.defaults.pendingApprovalExpiryMinutes)} for its approvals unless
            its rule sets another window (the shortest applies when several rules match), whatever the duration asked: a
            &ldquo;start now&rdquo; window only begins at approval. A scheduled request can no longer be approved once
            its start time has come.
          </p>
        </>
      )}

      <Card title="Raw document">
        <details>
          <summary className="cursor-pointer text-sm text-slate-600 dark:text-slate-400">
            Show the stored document (hash <code className="text-xs">{policy.contentHash.slice(0, 12)}</code>)
          </summary>
          <pre
            className="mt-3 max-h-[32rem] overflow-auto rounded-lg bg-slate-900 p-4 text-xs text-slate-100"
            data-testid="policy-raw"
          >
            {JSON.stringify(policy.raw, null, 2)}
          </pre>
        </details>
      </Card>
    </div>
  );
}

/** A rules table: one scrolling region named `label`, a header row of `columns`, the rows as children. */
function RuleTable({ label, columns, children }: { label: string; columns: string[]; children: React.ReactNode }) {
  return (
    <TableScroll label={label}>
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
          <tr>
            {columns.map((column) => (
              <th key={column} className="px-5 py-2 font-semibold">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top dark:divide-slate-800">{children}</tbody>
      </table>
    </TableScroll>
  );
}

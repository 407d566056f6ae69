import { groupLabel } from "@/lib/domain/group-targets";
import Link from "next/link";
import { formatDuration, formatMinutes } from "@/components/format";
import { Alert } from "@/components/ui/alert";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import type { OuNode } from "@/lib/domain/ou-tree";
import {
  inventoryOverview,
  readInventoryFilters,
  readInventoryPage,
  type InventoryAccount,
  type InventoryCell,
  type InventoryFilterKey,
  type InventoryFilters,
} from "@/lib/services/queries/inventory-overview";
import { pageContext } from "../../page-context";
import { RefreshInventoryForm } from "./refresh-form";

type SearchParams = Record<string, string | string[] | undefined>;

const FIELD_LABELS: Record<InventoryFilterKey, string> = {
  q: "search",
  account: "account",
  ou: "OU",
  permissionSet: "permission set",
  principal: "principal",
};

const SOURCE_LABELS: Record<string, string> = {
  baseline: "baseline",
  accepted: "accepted drift",
  preexisting: "pre-existing",
};

function inventoryHref(filters: InventoryFilters, page = 1): string {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as [string, string][]);
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/admin/inventory?${query}` : "/admin/inventory";
}

function auditHref(cell: InventoryCell): string {
  return `/audit?${new URLSearchParams({ account: cell.account.id, permissionSet: cell.permissionSet.arn }).toString()}`;
}

function OuBranch({ node, listAccounts }: { node: OuNode<InventoryAccount>; listAccounts: boolean }) {
  const shown = listAccounts ? node.accounts : [];
  return (
    <li className="space-y-1" data-testid="ou-node" data-ou-id={node.id}>
      <Link href={inventoryHref({ ou: node.id })} className="font-semibold hover:underline">
        {node.name}
      </Link>{" "}
      <span className="font-mono text-xs break-all text-slate-600 dark:text-slate-400">{node.id}</span>
      {!listAccounts && node.accounts.length > 0 ? (
        <span className="text-xs text-slate-600 dark:text-slate-400" data-testid="ou-account-count">
          {" "}
          · {node.accounts.length} account{node.accounts.length === 1 ? "" : "s"}
        </span>
      ) : null}
      {shown.length > 0 || node.children.length > 0 ? (
        <ul className="ml-3 space-y-1 border-l border-slate-200 pl-3 dark:border-slate-800">
          {shown.map((account) => (
            <li key={account.id} data-testid="ou-account">
              <Link href={inventoryHref({ account: account.id })} className="hover:underline">
                {account.name}
              </Link>{" "}
              <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{account.id}</span>
            </li>
          ))}
          {node.children.map((child) => (
            <OuBranch key={child.id} node={child} listAccounts={listAccounts} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function Eligibility({ cell }: { cell: InventoryCell }) {
  if (!cell.eligibility)
    return (
      <p className="text-sm text-slate-600 dark:text-slate-400">No valid policy is loaded, so nobody may request.</p>
    );
  const { eligible, denied } = cell.eligibility;
  if (eligible.length === 0 && denied.length === 0)
    return <p className="text-sm text-slate-600 dark:text-slate-400">No policy rule lets anyone request this.</p>;
  return (
    <ul className="space-y-1 text-sm">
      {eligible.map((rule) => (
        <li key={rule.ruleId} data-testid="eligible-rule">
          <span className="font-semibold">
            {[...rule.groups.map((g) => (g === "*" ? "everyone" : `group ${groupLabel(g)}`)), ...rule.users].join(
              ", ",
            ) || "nobody (all blocked)"}
          </span>{" "}
          <span className="text-slate-600 dark:text-slate-400">
            · up to {formatMinutes(rule.maxDurationMinutes)} ·{" "}
            {rule.autoApproved
              ? "approved automatically"
              : `${rule.requiredApprovals} approval${rule.requiredApprovals === 1 ? "" : "s"} from ${[
                  ...rule.approverGroups.map(groupLabel),
                  ...rule.approverUsers,
                ].join(", ")}`}
            {rule.ticketRequired ? " · ticket required" : ""} · rule {rule.ruleId}
          </span>
          {rule.blockedGroups.length + rule.blockedUsers.length > 0 ? (
            <span className="block text-xs text-red-800 dark:text-red-200">
              Blocked by a deny rule: {[...rule.blockedGroups.map(groupLabel), ...rule.blockedUsers].join(", ")}
            </span>
          ) : null}
        </li>
      ))}
      {denied.map((rule) => (
        <li key={rule.ruleId} className="text-red-800 dark:text-red-200" data-testid="deny-rule">
          Denied to {[...rule.groups.map((g) => (g === "*" ? "everyone" : `group ${g}`)), ...rule.users].join(", ")}:{" "}
          {rule.reason} (rule {rule.ruleId})
        </li>
      ))}
    </ul>
  );
}

function GroupBadge({ type, members }: { type: string; members: number | null }) {
  if (type !== "GROUP") return null;
  return (
    <Badge tone="violet">{members === null ? "Group" : `Group · ${members} member${members === 1 ? "" : "s"}`}</Badge>
  );
}

function ProvisioningLine({ cell, snapshotTaken }: { cell: InventoryCell; snapshotTaken: boolean }) {
  const p = cell.provisioning;
  // Before the first assignment sync nothing is known, which is not the same as "not provisioned".
  if (!snapshotTaken) return null;
  if (!p)
    return (
      <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="cell-provisioning" data-state="none">
        Not provisioned to this account at the last sync.
      </p>
    );
  return (
    <p
      className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600 dark:text-slate-400"
      data-testid="cell-provisioning"
      data-state={p.current ? "current" : "outdated"}
    >
      {p.current ? (
        <Badge tone="green">Provisioned, current</Badge>
      ) : (
        <Badge tone="amber">Latest edit not provisioned</Badge>
      )}
      {p.stale ? (
        <span className="text-amber-800 dark:text-amber-200" data-testid="cell-stale">
          {p.assignmentsSyncedAt ? (
            <>
              The last sync could not list these assignments; shown as of{" "}
              <LocalTime iso={p.assignmentsSyncedAt.toISOString()} />.
            </>
          ) : (
            "The assignments here have not been listed yet."
          )}
        </span>
      ) : null}
    </p>
  );
}

function HolderSection({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0 space-y-1">
      <h4 className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">{title}</h4>
      {children}
    </div>
  );
}

function CellItem({ cell, snapshotTaken }: { cell: InventoryCell; snapshotTaken: boolean }) {
  const nobody = cell.jit.length + cell.standing.length + cell.outOfBand.length + cell.unexplained.length === 0;
  return (
    <li
      className="space-y-3 py-4 first:pt-0 last:pb-0"
      data-testid="inventory-cell"
      data-account-id={cell.account.id}
      data-permission-set={cell.permissionSet.name}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-semibold break-words">
          {cell.permissionSet.name} on {cell.account.name}{" "}
          <span className="font-mono text-xs font-normal text-slate-600 dark:text-slate-400">{cell.account.id}</span>
        </h3>
        <span className="text-xs text-slate-600 dark:text-slate-400">
          {cell.account.ouPath} ·{" "}
          <Link href={auditHref(cell)} className="underline">
            audit trail
          </Link>
        </span>
      </div>
      <ProvisioningLine cell={cell} snapshotTaken={snapshotTaken} />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <HolderSection title="Holds access now">
          {nobody ? <p className="text-sm text-slate-600 dark:text-slate-400">Nobody.</p> : null}
          <ul className="space-y-1 text-sm">
            {cell.jit.map((holder) => (
              <li key={holder.grantId} data-testid="jit-holder" className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <Badge tone="green">JIT</Badge>
                <span className="font-semibold break-all">{holder.user}</span>
                <StatusBadge status={holder.status} kind="grant" />
                <span className="text-slate-600 dark:text-slate-400">
                  until <LocalTime iso={holder.endsAt.toISOString()} /> ·{" "}
                  <Link href={`/requests/${holder.requestId}`} className="underline">
                    request
                  </Link>
                </span>
              </li>
            ))}
            {cell.standing.map((holder) => (
              <li
                key={holder.principalId}
                data-testid="standing-holder"
                data-principal-type={holder.principalType}
                className="flex flex-wrap items-center gap-x-2 gap-y-1"
              >
                <Badge tone="sky">Standing</Badge>
                <GroupBadge type={holder.principalType} members={holder.memberCount} />
                <span className="font-semibold break-all">{holder.label}</span>
                <span className="text-slate-600 dark:text-slate-400">
                  {SOURCE_LABELS[holder.source] ?? holder.source}
                </span>
              </li>
            ))}
            {cell.outOfBand.map((holder) => (
              <li
                key={holder.findingId}
                data-testid="out-of-band-holder"
                className="flex flex-wrap items-center gap-x-2 gap-y-1"
              >
                <Badge tone="red">Out of band</Badge>
                <GroupBadge type={holder.principalType} members={holder.memberCount} />
                <span className="font-semibold break-all">{holder.label}</span>
                <span className="text-slate-600 dark:text-slate-400">
                  since <LocalTime iso={holder.firstSeenAt.toISOString()} /> ·{" "}
                  <Link href="/admin/drift" className="underline">
                    drift finding
                  </Link>
                </span>
              </li>
            ))}
            {cell.unexplained.map((holder) => (
              <li
                key={`${holder.principalType}|${holder.principalId}`}
                data-testid="unexplained-holder"
                data-kind={holder.kind}
                data-principal-type={holder.principalType}
                className="flex flex-wrap items-center gap-x-2 gap-y-1"
              >
                <Badge tone="amber">
                  {holder.kind === "outside-scope"
                    ? "Standing, outside the policy's scope"
                    : "Standing, not yet reviewed"}
                </Badge>
                <GroupBadge type={holder.principalType} members={holder.memberCount} />
                <span className="font-semibold break-all">{holder.label}</span>
                <span className="text-slate-600 dark:text-slate-400">
                  {holder.kind === "outside-scope"
                    ? "assigned in Identity Center; no policy rule covers this pair"
                    : "assigned in Identity Center; the next drift check will classify it"}
                </span>
              </li>
            ))}
          </ul>
        </HolderSection>
        <HolderSection title="May request it">
          <Eligibility cell={cell} />
        </HolderSection>
      </div>
    </li>
  );
}

function FilterForm({
  filters,
  overview,
}: {
  filters: InventoryFilters;
  overview: Awaited<ReturnType<typeof inventoryOverview>>;
}) {
  const label = "block text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400";
  return (
    <form
      method="get"
      action="/admin/inventory"
      className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3"
      data-testid="inventory-filters"
    >
      <div className="min-w-0 space-y-1">
        <label htmlFor="inventory-q" className={label}>
          Search account or permission set
        </label>
        <input id="inventory-q" name="q" defaultValue={filters.q ?? ""} className={`${inputClass} w-full`} />
      </div>
      <div className="min-w-0 space-y-1">
        <label htmlFor="inventory-account" className={label}>
          Account
        </label>
        <select
          id="inventory-account"
          name="account"
          defaultValue={filters.account ?? ""}
          className={`${inputClass} w-full`}
        >
          <option value="">All accounts</option>
          {overview.accounts
            .filter((a) => !a.gone)
            .map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.id})
              </option>
            ))}
        </select>
      </div>
      <div className="min-w-0 space-y-1">
        <label htmlFor="inventory-ou" className={label}>
          OU
        </label>
        <select id="inventory-ou" name="ou" defaultValue={filters.ou ?? ""} className={`${inputClass} w-full`}>
          <option value="">All OUs</option>
          {overview.ous.map((ou) => (
            <option key={ou.id} value={ou.id}>
              {ou.path}
            </option>
          ))}
        </select>
      </div>
      <div className="min-w-0 space-y-1">
        <label htmlFor="inventory-set" className={label}>
          Permission set
        </label>
        <select
          id="inventory-set"
          name="permissionSet"
          defaultValue={filters.permissionSet ?? ""}
          className={`${inputClass} w-full`}
        >
          <option value="">All permission sets</option>
          {overview.permissionSets.map((s) => (
            <option key={s.arn} value={s.arn}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div className="min-w-0 space-y-1">
        <label htmlFor="inventory-principal" className={label}>
          Principal (email, group or id)
        </label>
        <input
          id="inventory-principal"
          name="principal"
          defaultValue={filters.principal ?? ""}
          className={`${inputClass} w-full`}
        />
      </div>
      <div className="flex items-end gap-2">
        <button type="submit" className={buttonClass("primary")} data-testid="apply-inventory-filters">
          Apply
        </button>
        <Link href="/admin/inventory" className={buttonClass("ghost")}>
          Clear
        </Link>
      </div>
    </form>
  );
}

export default async function InventoryPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext(["ADMIN"]);
  const params = await searchParams;
  const { filters, ignored } = readInventoryFilters(params);
  const overview = await inventoryOverview({ ctx, input: { filters, ignored, page: readInventoryPage(params.page) } });
  const first = (overview.page - 1) * overview.pageSize + 1;
  const filtered = Object.keys(filters).length > 0;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold">Inventory</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            The organization as IAM Identity Center reports it, who holds each permission set in each account right now,
            and who may request it. Last synced <LocalTime iso={overview.syncedAt?.toISOString()} />;{" "}
            {overview.assignmentsSyncedAt ? (
              <>
                assignments as of <LocalTime iso={overview.assignmentsSyncedAt.toISOString()} />.
              </>
            ) : (
              "assignments not read from Identity Center yet."
            )}
          </p>
          {overview.lastSync ? (
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-400" data-testid="inventory-last-sync">
              The last full sync took {formatDuration(overview.lastSync.durationMs)} and finished{" "}
              <LocalTime iso={overview.lastSync.finishedAt.toISOString()} />.
            </p>
          ) : null}
        </div>
        {overview.canRefresh ? <RefreshInventoryForm /> : null}
      </div>

      {ignored.length > 0 ? (
        <Alert tone="warning" testId="ignored-filters">
          Ignored a filter that was not understood: {ignored.map((key) => FIELD_LABELS[key]).join(", ")}.
        </Alert>
      ) : null}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title="Organization" testId="ou-tree">
          {overview.tree.length === 0 ? (
            <EmptyState>No accounts synced yet. Refresh the inventory.</EmptyState>
          ) : (
            <>
              {overview.treeListsAccounts ? null : (
                <p className="mb-3 text-sm text-slate-600 dark:text-slate-400" data-testid="ou-tree-counted">
                  Too many accounts to list here: open an OU, or pick an account in the filters below.
                </p>
              )}
              <ul className="space-y-2 text-sm">
                {overview.tree.map((node) => (
                  <OuBranch key={node.id} node={node} listAccounts={overview.treeListsAccounts} />
                ))}
              </ul>
            </>
          )}
        </Card>

        <Card title={`Permission sets (${overview.permissionSets.length})`} testId="permission-sets">
          {overview.permissionSets.length === 0 ? (
            <EmptyState>No permission sets synced yet.</EmptyState>
          ) : (
            <TableScroll label="Permission sets">
              <table className="w-full text-left text-sm">
                <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-600 uppercase dark:border-slate-800 dark:text-slate-400">
                  <tr>
                    <th className="px-5 py-2 font-semibold">Name</th>
                    <th className="px-5 py-2 font-semibold">Session</th>
                    <th className="px-5 py-2 font-semibold">Provisioned</th>
                    <th className="px-5 py-2 font-semibold">In use</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {overview.permissionSets.map((set) => (
                    <tr key={set.arn} data-testid="permission-set-row" className="align-top">
                      <td className="px-5 py-2">
                        <Link
                          href={inventoryHref({ permissionSet: set.arn })}
                          className="font-semibold hover:underline"
                        >
                          {set.name}
                        </Link>
                        {set.description ? (
                          <span className="block text-xs text-slate-600 dark:text-slate-400">{set.description}</span>
                        ) : null}
                      </td>
                      <td className="px-5 py-2 whitespace-nowrap">{formatMinutes(set.sessionDurationMinutes)}</td>
                      <td className="px-5 py-2" data-testid="permission-set-provisioning">
                        <span className="whitespace-nowrap">
                          {set.provisionedAccounts === 0
                            ? "nowhere"
                            : `${set.provisionedAccounts} account${set.provisionedAccounts === 1 ? "" : "s"}`}
                        </span>
                        {set.outdatedAccounts > 0 ? (
                          <span className="block text-xs text-amber-800 dark:text-amber-200">
                            latest edit not provisioned in {set.outdatedAccounts}
                          </span>
                        ) : set.provisionedAccounts > 0 ? (
                          <span className="block text-xs text-slate-600 dark:text-slate-400">all current</span>
                        ) : null}
                      </td>
                      <td className="px-5 py-2 whitespace-nowrap">
                        {set.accountsInUse === 0
                          ? "not held"
                          : `held in ${set.accountsInUse} account${set.accountsInUse === 1 ? "" : "s"}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </Card>
      </div>
      <Card title="Search and filter">
        <FilterForm filters={filters} overview={overview} />
      </Card>

      <Card
        title={
          overview.page > 1 || overview.truncated
            ? `Who holds access (${first}–${first + overview.cells.length - 1}${overview.truncated ? " of more" : ""})`
            : `Who holds access (${overview.cells.length})`
        }
        testId="inventory-access"
      >
        {overview.page > 1 || overview.truncated ? (
          <nav
            aria-label="Pages of account and permission set pairs"
            className="mb-3 flex flex-wrap items-center gap-3 text-sm"
            data-testid="inventory-pages"
          >
            <span className="text-slate-600 dark:text-slate-400">
              {overview.pageSize} pairs a page; the filters narrow them down.
            </span>
            {overview.page > 1 ? (
              <Link href={inventoryHref(filters, overview.page - 1)} className="font-semibold underline">
                Previous page
              </Link>
            ) : null}
            {overview.truncated ? (
              <Link
                href={inventoryHref(filters, overview.page + 1)}
                className="font-semibold underline"
                data-testid="inventory-next-page"
              >
                Next page
              </Link>
            ) : null}
          </nav>
        ) : null}
        {overview.cells.length === 0 ? (
          <EmptyState>
            {filtered
              ? "Nothing matches these filters."
              : "No account and permission set pair is held by anyone or named by the policy."}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {overview.cells.map((cell) => (
              <CellItem
                key={`${cell.account.id}|${cell.permissionSet.arn}`}
                cell={cell}
                snapshotTaken={overview.assignmentsSyncedAt !== null}
              />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

import { REQUEST_EVENT_ACTIONS, describeAction } from "../../audit/actions";
import type { ServiceContext } from "../context";
import { requireViewer } from "./support";

export interface HistoryFilterOptions {
  accounts: { id: string; name: string }[];
  ous: { id: string; label: string }[];
  permissionSets: { arn: string; name: string }[];
  events: { action: string; title: string }[];
}

/** Choices for the dashboard's filter selects, from the cached inventory (small tables). */
export async function getHistoryFilterOptions({ ctx }: { ctx: ServiceContext }): Promise<HistoryFilterOptions> {
  requireViewer(ctx.actor);
  const [accounts, sets] = await Promise.all([
    ctx.db.awsAccount.findMany({
      select: { id: true, name: true, ouPath: true, ouIds: true },
      orderBy: { name: "asc" },
    }),
    ctx.db.permissionSet.findMany({ select: { arn: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  // ouIds run root first, like the segments of ouPath, so position i names the OU at depth i.
  const ous = new Map<string, string>();
  for (const account of accounts) {
    const segments = account.ouPath.split("/");
    account.ouIds.forEach((id, i) => {
      if (!ous.has(id)) ous.set(id, segments.length === account.ouIds.length ? segments.slice(0, i + 1).join("/") : id);
    });
  }
  return {
    accounts: accounts.map((a) => ({ id: a.id, name: a.name })),
    ous: [...ous].map(([id, label]) => ({ id, label })).sort((a, b) => a.label.localeCompare(b.label)),
    permissionSets: sets,
    events: REQUEST_EVENT_ACTIONS.map((action) => ({ action, title: describeAction(action).title })),
  };
}

import { paginate, type PageInfo } from "../../domain/pagination";
import { approvalWindowMinutes } from "../../domain/policy";
import { PolicyDocument, type AllowRule } from "../../domain/policy-schema";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";

export interface PolicyView {
  id: string;
  sourcePath: string;
  contentHash: string;
  loadedAt: Date;
  /** The parsed document (defaults filled in), or null when the stored row no longer validates. */
  document: PolicyDocument | null;
  /** The stored JSON exactly as loaded, for the raw view. */
  raw: unknown;
  /** Account id → name and OU id → path, so rules can be read without memorising ids. */
  accountNames: Record<string, string>;
  ouNames: Record<string, string>;
  /** Rule id → how long a request under that rule alone waits for approval (rules that need approval only). */
  approvalWindows: Record<string, number>;
  /** One page of the allow rules, in the document's order, and where it sits among them. */
  rules: AllowRule[];
  rulesPage: PageInfo;
}

export const POLICY_RULES_PAGE_SIZE = 50;

/** The active access policy, read-only, with one page of its allow rules; null when none is loaded. */
export async function getActivePolicyView({
  ctx,
  page = 1,
}: {
  ctx: ServiceContext;
  page?: number;
}): Promise<PolicyView | null> {
  requireUser(ctx.actor, "policy.read");
  const row = await ctx.db.policy.findFirst({ where: { active: true }, orderBy: { loadedAt: "desc" } });
  if (!row) return null;
  const parsed = PolicyDocument.safeParse(row.document);
  const accounts = parsed.success
    ? await ctx.db.awsAccount.findMany({ select: { id: true, name: true, ouPath: true, ouIds: true } })
    : [];
  // ouPath segments line up with ouIds (root first), which names every OU an account sits under.
  const ouNames: Record<string, string> = {};
  for (const account of accounts) {
    const segments = account.ouPath.split("/");
    if (segments.length !== account.ouIds.length) continue;
    account.ouIds.forEach((ouId, index) => (ouNames[ouId] ??= segments.slice(0, index + 1).join("/")));
  }
  const rules = paginate(parsed.success ? parsed.data.rules : [], page, POLICY_RULES_PAGE_SIZE);
  return {
    id: row.id,
    sourcePath: row.sourcePath,
    contentHash: row.contentHash,
    loadedAt: row.loadedAt,
    document: parsed.success ? parsed.data : null,
    raw: row.document,
    accountNames: Object.fromEntries(accounts.map((a) => [a.id, a.name])),
    ouNames,
    approvalWindows: parsed.success
      ? Object.fromEntries(
          parsed.data.rules
            .filter((rule) => !rule.approval.auto)
            .map((rule) => [rule.id, approvalWindowMinutes(parsed.data, [rule.id])]),
        )
      : {},
    rules: rules.rows,
    rulesPage: rules.page,
  };
}

import { z } from "zod";
import { groupTargetLabel } from "../../domain/group-targets";
import { countQuorum } from "../../domain/policy";
import { REQUEST_STATUSES } from "../../domain/request-lifecycle";
import type { Prisma } from "../../generated/prisma/client";
import type { GrantStatus, RequestStatus } from "../../generated/prisma/enums";
import type { Db } from "../../db";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { listApprovalQueue } from "./approval-queue";
import { getRequestDetail } from "./request-detail";
import { loadTargetNames, requireViewer, summarizeTarget } from "./support";

// The API's view of a request: the same reads and visibility as the pages, shaped for scripts.

export interface ApiRequestTarget {
  accountId: string;
  accountName: string;
  permissionSetName: string;
  permissionSetArn: string;
  grantStatus: GrantStatus | null;
}

/** A temporary Identity Center group membership asked for, with its grant's status once approved. */
export interface ApiRequestGroup {
  name: string;
  /** membership of Identity Center group "prod-db-admins" */
  label: string;
  grantStatus: GrantStatus | null;
}

export interface ApiRequest {
  id: string;
  status: RequestStatus;
  version: number;
  requester: { email: string | null; name: string | null };
  createdAt: Date;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  justification: string;
  ticket: string | null;
  closeReason: string | null;
  targets: ApiRequestTarget[];
  /** Identity Center group memberships (a request has targets or groups, never both). */
  groups: ApiRequestGroup[];
  approvals: number;
  requiredApprovals: number;
  url: string;
}

const REQUEST_SELECT = {
  id: true,
  status: true,
  version: true,
  createdAt: true,
  startsAt: true,
  endsAt: true,
  durationMinutes: true,
  justification: true,
  ticket: true,
  closeReason: true,
  requiredApprovals: true,
  distinctGroups: true,
  requester: { select: { email: true, name: true } },
  targets: {
    select: { accountId: true, permissionSetArn: true, grant: { select: { status: true } } },
    orderBy: { id: "asc" },
  },
  groupTargets: { select: { groupName: true, grant: { select: { status: true } } }, orderBy: { groupName: "asc" } },
  decisions: { where: { kind: "REQUEST" }, select: { approverId: true, decision: true, viaGroups: true } },
} satisfies Prisma.AccessRequestSelect;

async function loadApiRequests(
  db: Db,
  where: Prisma.AccessRequestWhereInput,
  appUrl: string,
  take: number,
): Promise<ApiRequest[]> {
  const rows = await db.accessRequest.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    select: REQUEST_SELECT,
  });
  const names = await loadTargetNames(
    db,
    rows.flatMap((r) => r.targets),
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    version: r.version,
    requester: r.requester,
    createdAt: r.createdAt,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    durationMinutes: r.durationMinutes,
    justification: r.justification,
    ticket: r.ticket,
    closeReason: r.closeReason,
    targets: r.targets.map((t) => {
      const { accountId, accountName, permissionSetName, permissionSetArn } = summarizeTarget(names, t);
      return { accountId, accountName, permissionSetName, permissionSetArn, grantStatus: t.grant?.status ?? null };
    }),
    groups: r.groupTargets.map((t) => ({
      name: t.groupName,
      label: groupTargetLabel(t.groupName),
      grantStatus: t.grant?.status ?? null,
    })),
    approvals: countQuorum({ required: r.requiredApprovals, distinctGroups: r.distinctGroups }, r.decisions).approvals,
    requiredApprovals: r.requiredApprovals,
    url: new URL(`/requests/${r.id}`, appUrl).toString(),
  }));
}

/** One request, visible exactly when its page is (the requester, or an approver, auditor or admin); otherwise NOT_FOUND. */
export async function getApiRequest({
  ctx,
  input,
  appUrl,
}: {
  ctx: ServiceContext;
  input: unknown;
  appUrl: string;
}): Promise<ApiRequest> {
  const detail = await getRequestDetail({ ctx, input });
  const [request] = await loadApiRequests(ctx.db, { id: detail.id }, appUrl, 1);
  return request!;
}

export const MyApiRequestsInput = z.object({
  status: z
    .preprocess(
      (v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v),
      z.array(z.enum(REQUEST_STATUSES, { message: `Use one of ${REQUEST_STATUSES.join(", ")}.` })).min(1),
    )
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The caller's own requests, newest first. */
export async function listMyApiRequests({
  ctx,
  input,
  appUrl,
}: {
  ctx: ServiceContext;
  input: unknown;
  appUrl: string;
}): Promise<ApiRequest[]> {
  const actor = requireViewer(ctx.actor);
  const { status, limit } = parseInput(MyApiRequestsInput, input);
  return loadApiRequests(
    ctx.db,
    { requesterId: actor.userId, ...(status ? { status: { in: status } } : {}) },
    appUrl,
    limit,
  );
}

const API_QUEUE_LIMIT = 500;

/** The approver's queue as the approvals page lists it (requests awaiting this person's decision). */
export async function listApprovalApiRequests({
  ctx,
  appUrl,
}: {
  ctx: ServiceContext;
  appUrl: string;
}): Promise<ApiRequest[]> {
  // The API answered up to 500 queued requests before the page paginated; it keeps doing so in one answer.
  const queue = await listApprovalQueue({ ctx, pageSize: API_QUEUE_LIMIT });
  const ids = queue.requests.map((r) => r.id);
  if (ids.length === 0) return [];
  const byId = new Map((await loadApiRequests(ctx.db, { id: { in: ids } }, appUrl, ids.length)).map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

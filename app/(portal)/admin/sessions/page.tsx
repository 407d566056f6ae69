import Link from "next/link";
import type { SessionRevocationStatus } from "@/lib/generated/prisma/enums";
import {
  listSessionRevocations,
  type SessionRevocationGroup,
  type SessionRevocationRow,
} from "@/lib/services/queries/session-revocations";
import { Badge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { pageContext } from "../../page-context";

const STATUS_LABELS: Record<SessionRevocationStatus, string> = {
  PENDING: "Pending",
  APPLIED: "Applied",
  VERIFIED: "Verified",
  FAILED: "Failed",
  CLEANED: "Cleaned",
};
const STATUS_HINTS: Record<SessionRevocationStatus, string> = {
  PENDING: "not written yet",
  APPLIED: "written, provisioning to the account",
  VERIFIED: "provisioned: old sessions are denied",
  FAILED: "not cut: see the alert",
  CLEANED: "removed after every old session expired",
};
const STATUS_TONES = {
  PENDING: "amber",
  APPLIED: "violet",
  VERIFIED: "green",
  FAILED: "red",
  CLEANED: "gray",
} as const;
const STATUSES = Object.keys(STATUS_LABELS) as SessionRevocationStatus[];

function RevocationItem({ row }: { row: SessionRevocationRow }) {
  return (
    <tr data-testid="revocation-row" data-revocation-id={row.id} data-status={row.status}>
      <th scope="row" className="px-5 py-3 text-left font-normal break-all">
        {row.user ?? <span className="text-slate-600 dark:text-slate-400">user without an IAM Identity Center id</span>}
      </th>
      <td className="px-5 py-3 whitespace-nowrap" data-testid="revocation-cutoff">
        <LocalTime iso={row.cutoff.toISOString()} />
      </td>
      <td className="px-5 py-3 whitespace-nowrap" data-testid="revocation-expiry">
        {row.status === "CLEANED" && row.cleanedAt ? (
          <>
            removed <LocalTime iso={row.cleanedAt.toISOString()} />
          </>
        ) : (
          <LocalTime iso={row.expiresAt.toISOString()} />
        )}
      </td>
      <td className="px-5 py-3">
        <span data-testid="revocation-status" data-status={row.status} className="flex flex-col items-start gap-1">
          <Badge tone={STATUS_TONES[row.status]}>{STATUS_LABELS[row.status]}</Badge>
          <span className="text-xs text-slate-600 dark:text-slate-400">{STATUS_HINTS[row.status]}</span>
        </span>
      </td>
      <td className="max-w-xs px-5 py-3 break-words text-slate-700 dark:text-slate-300">
        {row.lastError ?? <span className="text-slate-500 dark:text-slate-400">—</span>}
      </td>
      <td className="px-5 py-3 whitespace-nowrap">
        {row.requestId ? (
          <Link
            href={`/requests/${row.requestId}`}
            className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
          >
            View request
          </Link>
        ) : (
          <span className="text-slate-500 dark:text-slate-400">—</span>
        )}
      </td>
    </tr>
  );
}

function GroupCard({ group }: { group: SessionRevocationGroup }) {
  const label = `${group.permissionSetName} on ${group.accountName}`;
  return (
    <Card
      testId="revocation-group"
      title={
        <>
          {label}{" "}
          <span className="font-mono text-xs font-normal text-slate-500 dark:text-slate-400">{group.accountId}</span>
        </>
      }
      actions={
        <span className="text-sm text-slate-600 dark:text-slate-400" data-testid="revocation-live-count">
          {group.live} in the inline policy
        </span>
      }
    >
      <TableScroll label={`Session denies for ${label}`}>
        <table className="w-full min-w-[48rem] text-left text-sm">
          <caption className="sr-only">Portal deny statements for {label}</caption>
          <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-5 py-2 font-semibold">
                User
              </th>
              <th scope="col" className="px-5 py-2 font-semibold">
                Sessions issued before
              </th>
              <th scope="col" className="px-5 py-2 font-semibold">
                Expiry (cleanup)
              </th>
              <th scope="col" className="px-5 py-2 font-semibold">
                State
              </th>
              <th scope="col" className="px-5 py-2 font-semibold">
                Last error
              </th>
              <th scope="col" className="px-5 py-2 font-semibold">
                Request
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 align-top dark:divide-slate-800">
            {group.rows.map((row) => (
              <RevocationItem key={row.id} row={row} />
            ))}
          </tbody>
        </table>
      </TableScroll>
    </Card>
  );
}

// Admins: the deny statements the portal keeps in permission sets' inline policies to cut AWS sessions that outlive a grant.
export default async function SessionsPage() {
  const ctx = await pageContext(["ADMIN"]);
  const { groups, counts, cleanedShown } = await listSessionRevocations({ ctx });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Live AWS sessions</h1>
          <p className="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            When access ends, the portal adds a deny to the permission set&apos;s inline policy for sessions the user
            opened before the end, and provisions it to the account. Each deny is removed once every session it covers
            has expired. Statements the portal did not write are never changed.
          </p>
        </div>
        <LiveRefresh active intervalMs={15_000} />
      </div>

      <dl className="flex flex-wrap gap-x-6 gap-y-2 text-sm" data-testid="revocation-counts">
        {STATUSES.map((status) => (
          <div key={status} className="flex items-center gap-2" data-status={status}>
            <dt>
              <Badge tone={STATUS_TONES[status]}>{STATUS_LABELS[status]}</Badge>
            </dt>
            <dd className="tabular-nums">{counts[status]}</dd>
          </div>
        ))}
      </dl>

      {groups.length === 0 ? (
        <EmptyState>No access has ended with a session deny yet.</EmptyState>
      ) : (
        groups.map((group) => <GroupCard key={`${group.permissionSetArn}|${group.accountId}`} group={group} />)
      )}
      {cleanedShown > 0 ? (
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Showing the {cleanedShown} most recently removed denies; older ones are in the access history.
        </p>
      ) : null}
    </div>
  );
}

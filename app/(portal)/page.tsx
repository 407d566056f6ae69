import Link from "next/link";
import { listMyRequests } from "@/lib/services/queries/my-requests";
import { formatMinutes } from "@/components/format";
import { AccessPortalNote } from "@/components/access-portal-note";
import { SessionWarning } from "@/components/session-warning";
import { TargetList } from "@/components/target-list";
import { Alert } from "@/components/ui/alert";
import { StatusBadge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { Countdown } from "@/components/ui/countdown";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { rolesAllow } from "@/lib/services/authorize";
import { securityOverview } from "@/lib/services/queries/security-overview";
import { canBreakGlass } from "@/lib/services/queries/break-glass";
import { SecurityOverviewSections } from "./security-overview";
import { pageContext, pendingCountForViewer } from "./page-context";

export default async function HomePage() {
  const ctx = await pageContext();
  const { actor } = ctx;
  const isRequester = rolesAllow(actor.roles, "request.create");
  const watchesAccess = rolesAllow(actor.roles, "grants.read-active");
  const [mine, pending, security, emergency] = await Promise.all([
    listMyRequests({ ctx }),
    pendingCountForViewer(),
    watchesAccess ? securityOverview({ ctx }) : null,
    canBreakGlass({ ctx }).catch(() => false),
  ]);

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Welcome, {actor.name ?? actor.email}</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400" data-testid="role-summary">
            Signed in as {actor.email} with roles: {actor.roles.join(", ").toLowerCase()}.
          </p>
        </div>
        <div className="flex items-center gap-3">
          <LiveRefresh active={mine.live} />
          {emergency ? (
            <ButtonLink href="/break-glass/new" variant="danger" testId="emergency-access">
              Emergency access
            </ButtonLink>
          ) : null}
          {isRequester ? (
            <ButtonLink href="/requests/new" testId="new-request">
              New request
            </ButtonLink>
          ) : null}
        </div>
      </div>

      {pending > 0 ? (
        <Alert tone="warning" testId="approvals-waiting">
          {pending === 1 ? "One decision waits" : `${pending} decisions wait`} for you.{" "}
          <Link href="/approvals" className="font-semibold underline">
            Open the approval queue
          </Link>
        </Alert>
      ) : null}

      {security ? <SecurityOverviewSections overview={security} /> : null}

      {mine.activeGrants.length + mine.activeGroupGrants.length > 0 ? (
        <Card title="Active access" testId="active-grants">
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {mine.activeGrants.map((grant) => (
              <li key={grant.grantId} className="py-3 first:pt-0 last:pb-0" data-testid="active-grant">
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <div>
                    <Link href={`/requests/${grant.requestId}`} className="font-semibold hover:underline">
                      {grant.permissionSetName} on {grant.accountName}
                    </Link>{" "}
                    <span className="font-mono text-xs text-slate-500 dark:text-slate-400">{grant.accountId}</span>
                    <p className="text-sm text-slate-600 dark:text-slate-400">
                      Ends <LocalTime iso={grant.endsAt.toISOString()} /> ·{" "}
                      <Countdown to={grant.endsAt.toISOString()} testId="grant-countdown" /> left
                      {grant.sessionDurationMinutes !== null ? (
                        <> · console sessions last {formatMinutes(grant.sessionDurationMinutes)}</>
                      ) : null}
                    </p>
                  </div>
                  <AccessPortalNote />
                </div>
                {grant.sessionNotice ? <SessionWarning notice={grant.sessionNotice} /> : null}
              </li>
            ))}
            {mine.activeGroupGrants.map((grant) => (
              <li key={grant.grantId} className="py-3 first:pt-0 last:pb-0" data-testid="active-group-grant">
                <Link href={`/requests/${grant.requestId}`} className="font-semibold hover:underline">
                  {grant.shortLabel}
                </Link>
                <p className="text-sm text-slate-600 dark:text-slate-400">
                  Ends <LocalTime iso={grant.endsAt.toISOString()} /> ·{" "}
                  <Countdown to={grant.endsAt.toISOString()} testId="grant-countdown" /> left
                </p>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      {isRequester || mine.requests.length > 0 ? (
        <Card title="My requests" testId="my-requests">
          {mine.requests.length === 0 ? (
            <EmptyState>
              You have no requests yet.{" "}
              <Link href="/requests/new" className="font-semibold text-sky-700 underline dark:text-sky-300">
                Request access
              </Link>{" "}
              when you need it; nothing is granted in advance.
            </EmptyState>
          ) : (
            <TableScroll label="My requests">
              <table className="w-full text-left text-sm">
                <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                  <tr>
                    <th className="px-5 py-2 font-semibold">Access</th>
                    <th className="px-5 py-2 font-semibold">Window</th>
                    <th className="px-5 py-2 font-semibold">Status</th>
                    <th className="px-5 py-2 font-semibold">Requested</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {mine.requests.map((r) => (
                    <tr
                      key={r.id}
                      data-testid="my-request"
                      data-request-id={r.id}
                      className="align-top hover:bg-slate-50 dark:hover:bg-slate-800"
                    >
                      <td className="px-5 py-3">
                        <Link href={`/requests/${r.id}`} className="block hover:underline" data-testid="request-link">
                          <TargetList targets={r.targets} groups={r.groups} />
                        </Link>
                      </td>
                      <td className="px-5 py-3 whitespace-nowrap text-slate-600 dark:text-slate-400">
                        <LocalTime iso={r.startsAt.toISOString()} />
                        <span className="block text-xs">{formatMinutes(r.durationMinutes)}</span>
                      </td>
                      <td className="px-5 py-3">
                        <StatusBadge status={r.status} />
                        {r.status === "PENDING" ? (
                          <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400">
                            {r.approvals} of {r.requiredApprovals} approvals
                          </span>
                        ) : null}
                        {r.extensionPending ? (
                          <span className="mt-1 block text-xs text-amber-700 dark:text-amber-300">
                            extension waiting for approval
                          </span>
                        ) : null}
                      </td>
                      <td className="px-5 py-3 whitespace-nowrap text-slate-600 dark:text-slate-400">
                        <LocalTime iso={r.createdAt.toISOString()} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </Card>
      ) : null}
    </div>
  );
}

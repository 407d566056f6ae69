import { notFound } from "next/navigation";
import { isAppError } from "@/lib/domain/errors";
import { requestAgainQuery } from "@/lib/domain/request-prefill";
import { requestTitle } from "@/lib/domain/request-presentation";
import type { GrantStatus } from "@/lib/domain/request-lifecycle";
import { getRequestDetail, type RequestDetail, type TimelineTone } from "@/lib/services/queries/request-detail";
import { formatMinutes } from "@/components/format";
import { AccessPortalNote } from "@/components/access-portal-note";
import { SessionWarning } from "@/components/session-warning";
import { Alert } from "@/components/ui/alert";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card, DescriptionList, EmptyState } from "@/components/ui/card";
import { Countdown } from "@/components/ui/countdown";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { pageContext } from "../../page-context";
import { DecisionForm } from "../../approvals/decision-form";
import { CancelForm, ExtendForm, ReleaseForm, RevokeForm } from "./request-actions";

async function loadDetail(requestId: string): Promise<RequestDetail> {
  const ctx = await pageContext();
  try {
    return await getRequestDetail({ ctx, input: { requestId } });
  } catch (error) {
    // Someone else's request and a request that does not exist look the same.
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "VALIDATION")) notFound();
    throw error;
  }
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const DOT: Record<TimelineTone, string> = {
  info: "bg-sky-500",
  success: "bg-emerald-500",
  error: "bg-red-500",
  muted: "bg-slate-400",
};

export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const r = await loadDetail(id);
  const title = requestTitle(
    r.targets,
    r.groups.map((t) => t.groupName),
  );
  const windowMinutes = Math.round((r.endsAt.getTime() - r.startsAt.getTime()) / 60_000);
  const roomMinutes = Math.max(0, r.maxDurationMinutes - windowMinutes);
  const failures = [
    ...r.targets.map((t) => ({
      key: `${t.accountId}|${t.permissionSetArn}`,
      label: `${t.permissionSetName} on ${t.accountName}`,
      grant: t.grant,
    })),
    ...r.groups.map((t) => ({ key: `group|${t.groupName}`, label: t.shortLabel, grant: t.grant })),
  ].flatMap((t) => (t.grant?.failureReason ? [{ key: t.key, label: t.label, reason: t.grant.failureReason }] : []));
  const { viewer } = r;
  const hasActions =
    viewer.canCancel ||
    viewer.canRelease ||
    viewer.canExtend ||
    viewer.canRevoke ||
    viewer.canDecide ||
    viewer.canDecideExtension;

  return (
    <div className="space-y-6" data-testid="request-detail" data-request-id={r.id}>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            Request <span className="font-mono">{r.id}</span>
          </p>
          <h1 className="text-2xl font-semibold">{title}</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            by {r.requester.name ?? r.requester.email}{" "}
            {r.requester.name && r.requester.email ? (
              <span className="text-slate-500 dark:text-slate-400">({r.requester.email})</span>
            ) : null}{" "}
            · requested <LocalTime iso={r.createdAt.toISOString()} />
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <LiveRefresh active={r.live} />
          <StatusBadge status={r.headline.key} label={r.headline.label} rawStatus={r.status} />
          {r.breakGlass ? (
            <span data-testid="break-glass-marker">
              <Badge tone="red">emergency access (break-glass)</Badge>
            </span>
          ) : null}
          {viewer.isRequester && r.targets.length > 0 ? (
            <ButtonLink
              href={`/requests/new?${requestAgainQuery(r)}`}
              variant="secondary"
              size="sm"
              testId="request-again"
            >
              Request again
            </ButtonLink>
          ) : null}
        </div>
      </div>

      {failures.length > 0 ? (
        <Alert tone="error" title="Something went wrong granting or removing this access" testId="failure-reasons">
          <ul className="list-disc pl-5">
            {failures.map((t) => (
              <li key={t.key}>
                {t.label}: {t.reason}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      {r.ending ? (
        <Alert tone="info" title="Access is being removed" testId="ending-banner">
          The worker removes the assignment from IAM Identity Center and verifies that it is gone; this page updates by
          itself.
        </Alert>
      ) : r.status === "ACTIVE" ? (
        <Alert tone="success" title="Access is active" testId="active-banner">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <span>
              Ends <LocalTime iso={r.endsAt.toISOString()} /> · <Countdown to={r.endsAt.toISOString()} /> left
            </span>
            <AccessPortalNote />
          </div>
          {r.sessionNotice ? <SessionWarning notice={r.sessionNotice} /> : null}
        </Alert>
      ) : null}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="space-y-6">
          <Card title="Request">
            <DescriptionList
              items={[
                {
                  label: "Window",
                  value: (
                    <>
                      <LocalTime iso={r.startsAt.toISOString()} /> → <LocalTime iso={r.endsAt.toISOString()} />{" "}
                      <span className="text-slate-500 dark:text-slate-400" data-testid="window-text">
                        ({r.windowText})
                      </span>
                    </>
                  ),
                },
                { label: "Justification", value: <span className="whitespace-pre-wrap">{r.justification}</span> },
                {
                  label: "Ticket",
                  value: r.ticket ? (
                    <span className="font-mono">{r.ticket}</span>
                  ) : (
                    <span className="text-slate-500 dark:text-slate-400">none</span>
                  ),
                },
                {
                  label: "Approvals",
                  value:
                    r.requiredApprovals === 0 ? (
                      "approved automatically by policy"
                    ) : (
                      <>
                        {r.approvals} of {r.requiredApprovals}
                        {r.status === "PENDING" && r.approvalExpiresAt ? (
                          <span className="text-slate-500 dark:text-slate-400" data-testid="approval-expiry">
                            {" "}
                            · waits for approval until <LocalTime iso={r.approvalExpiresAt.toISOString()} /> (
                            <Countdown to={r.approvalExpiresAt.toISOString()} endedText="now" />)
                          </span>
                        ) : null}
                      </>
                    ),
                },
                ...(r.extension.pending
                  ? [
                      {
                        label: "Extension",
                        value: (
                          <>
                            +{formatMinutes(r.extension.pending.minutes)} waiting for approval ·{" "}
                            <span data-testid="extension-approvals">
                              {r.extension.pending.approvals} of {r.extension.pending.required} approvals
                            </span>
                            {r.extension.pending.justification ? (
                              <span className="block text-slate-600 dark:text-slate-400">
                                “{r.extension.pending.justification}”
                              </span>
                            ) : null}
                          </>
                        ),
                      },
                    ]
                  : []),
                ...(r.closeReason ? [{ label: "Closed because", value: r.closeReason }] : []),
                ...(r.policyVersion !== null
                  ? [
                      {
                        label: "Policy",
                        value: <span data-testid="request-policy-version">version {r.policyVersion}</span>,
                      },
                    ]
                  : []),
              ]}
            />
          </Card>

          <Card title="Access per target" testId="grants">
            <TableScroll label="Access per target">
              <table className="w-full text-left text-sm">
                <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                  <tr>
                    <th className="px-5 py-2 font-semibold">Target</th>
                    <th className="px-5 py-2 font-semibold">Status</th>
                    <th className="px-5 py-2 font-semibold">Granted (AWS)</th>
                    <th className="px-5 py-2 font-semibold">Removed (AWS)</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {r.targets.map((t) => (
                    <tr key={`${t.accountId}|${t.permissionSetArn}`} className="align-top" data-testid="grant-row">
                      <td className="px-5 py-3">
                        <span className="font-semibold">{t.permissionSetName}</span> on {t.accountName}{" "}
                        <span className="font-mono text-xs text-slate-500 dark:text-slate-400">{t.accountId}</span>
                        {t.ouPath ? (
                          <span className="block text-xs text-slate-500 dark:text-slate-400">{t.ouPath}</span>
                        ) : null}
                        {t.sessionDurationMinutes !== null ? (
                          <span className="block text-xs text-slate-500 dark:text-slate-400">
                            console session {formatMinutes(t.sessionDurationMinutes)}
                          </span>
                        ) : null}
                      </td>
                      <GrantStatusCell grant={t.grant} ungrantedText={t.ungrantedText} />
                      <td className="px-5 py-3 text-xs">
                        <AwsStep
                          requestId={t.grant?.createRequestId ?? null}
                          issuedAt={iso(t.grant?.createIssuedAt ?? null)}
                          verifiedAt={iso(t.grant?.createVerifiedAt ?? null)}
                        />
                      </td>
                      <td className="px-5 py-3 text-xs">
                        <AwsStep
                          requestId={t.grant?.deleteRequestId ?? null}
                          issuedAt={iso(t.grant?.deleteIssuedAt ?? null)}
                          verifiedAt={iso(t.grant?.deleteVerifiedAt ?? null)}
                        />
                      </td>
                    </tr>
                  ))}
                  {r.groups.map((t) => (
                    <tr
                      key={`group|${t.groupName}`}
                      className="align-top"
                      data-testid="group-grant-row"
                      data-group={t.groupName}
                    >
                      <td className="px-5 py-3">
                        <span className="font-semibold">{t.shortLabel}</span>
                        <span className="block text-xs text-slate-500 dark:text-slate-400">
                          temporary membership; sessions opened through the group run until their own end
                        </span>
                      </td>
                      <GrantStatusCell grant={t.grant} ungrantedText={t.ungrantedText} />
                      <td className="px-5 py-3 text-xs">
                        <AwsStep
                          requestId={null}
                          issuedAt={iso(t.grant?.createIssuedAt ?? null)}
                          verifiedAt={iso(t.grant?.createVerifiedAt ?? null)}
                        />
                      </td>
                      <td className="px-5 py-3 text-xs">
                        <AwsStep
                          requestId={null}
                          issuedAt={iso(t.grant?.deleteIssuedAt ?? null)}
                          verifiedAt={iso(t.grant?.deleteVerifiedAt ?? null)}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          </Card>

          <Card title="Approvals" testId="decisions">
            {r.decisions.length === 0 ? (
              <EmptyState>
                {r.requiredApprovals === 0
                  ? "No approval needed: the policy approves this automatically."
                  : "No decision yet."}
              </EmptyState>
            ) : (
              <ul className="space-y-3">
                {r.decisions.map((d) => (
                  <li key={`${d.approverEmail}-${d.at.toISOString()}`} className="text-sm" data-testid="decision">
                    <div className="flex flex-wrap items-center gap-2">
                      <Badge
                        tone={d.decision === "APPROVE" ? "green" : "red"}
                      >{`${d.decision === "APPROVE" ? "Approved" : "Denied"}${d.kind === "EXTENSION" ? " extension" : ""}`}</Badge>
                      <span className="font-semibold">{d.approverName}</span>
                      {d.approverEmail && d.approverEmail !== d.approverName ? (
                        <span className="text-slate-500 dark:text-slate-400">{d.approverEmail}</span>
                      ) : null}
                      <span className="text-slate-500 dark:text-slate-400">
                        · <LocalTime iso={d.at.toISOString()} />
                      </span>
                      {d.viaGroups.length > 0 ? (
                        <span className="text-xs text-slate-500 dark:text-slate-400">via {d.viaGroups.join(", ")}</span>
                      ) : null}
                    </div>
                    {d.comment ? (
                      <p className="mt-1 whitespace-pre-wrap text-slate-700 dark:text-slate-300">“{d.comment}”</p>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card title="Timeline" testId="timeline">
            {r.timeline.length === 0 ? (
              <EmptyState>No events recorded.</EmptyState>
            ) : (
              <ol className="relative space-y-4 border-l border-slate-200 pl-5 dark:border-slate-700">
                {r.timeline.map((e) => (
                  <li key={e.seq} className="relative text-sm" data-testid="timeline-entry">
                    <span
                      aria-hidden
                      className={`absolute top-1.5 -left-[1.65rem] size-2.5 rounded-full ring-4 ring-white ${DOT[e.tone]}`}
                    />
                    <p className="font-semibold">{e.title}</p>
                    <p className="text-xs text-slate-500 dark:text-slate-400">
                      <LocalTime iso={e.at.toISOString()} mode="seconds" /> · {e.actor}
                    </p>
                    {e.awsRequestId ? (
                      <p className="text-xs text-slate-600 dark:text-slate-400">
                        AWS request id <span className="font-mono">{e.awsRequestId}</span>
                      </p>
                    ) : null}
                    {e.detail ? (
                      <p
                        className={`mt-0.5 whitespace-pre-wrap ${e.tone === "error" ? "text-red-700 dark:text-red-300" : "text-slate-700 dark:text-slate-300"}`}
                      >
                        {e.detail}
                      </p>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>

        <aside className="space-y-4 lg:sticky lg:top-6 lg:self-start" data-testid="request-actions">
          {viewer.canDecide ? (
            <Card title="Your decision">
              <DecisionForm requestId={r.id} version={r.version} />
            </Card>
          ) : null}
          {viewer.canDecideExtension && r.extension.pending ? (
            <Card title={`Extension: +${formatMinutes(r.extension.pending.minutes)}`}>
              {r.extension.pending.justification ? (
                <p className="mb-3 text-sm text-slate-700 dark:text-slate-300">“{r.extension.pending.justification}”</p>
              ) : null}
              <DecisionForm requestId={r.id} version={r.version} kind="extension" />
            </Card>
          ) : null}
          {viewer.canRelease ? (
            <Card>
              <ReleaseForm requestId={r.id} version={r.version} />
            </Card>
          ) : null}
          {viewer.canCancel ? (
            <Card>
              <CancelForm requestId={r.id} version={r.version} />
            </Card>
          ) : null}
          {viewer.canExtend ? (
            <Card title="More time">
              <ExtendForm
                requestId={r.id}
                version={r.version}
                needsApproval={r.extension.needsApproval}
                roomMinutes={roomMinutes}
              />
            </Card>
          ) : null}
          {viewer.canRevoke ? (
            <Card title="Revoke">
              <RevokeForm requestId={r.id} version={r.version} />
            </Card>
          ) : null}
          {!hasActions ? (
            <p className="text-sm text-slate-500 dark:text-slate-400">
              {viewer.isRequester && r.extension.pending
                ? "Your extension waits for an approver."
                : "Nothing to do here right now."}
            </p>
          ) : null}
        </aside>
      </div>
    </div>
  );
}

function AwsStep({
  requestId,
  issuedAt,
  verifiedAt,
}: {
  requestId: string | null;
  issuedAt: string | null;
  verifiedAt: string | null;
}) {
  if (!requestId && !issuedAt && !verifiedAt) return <span className="text-slate-500 dark:text-slate-400">—</span>;
  return (
    <div className="space-y-0.5">
      {requestId ? (
        <p className="font-mono break-all" title="AWS request id" data-testid="aws-request-id">
          {requestId}
        </p>
      ) : null}
      {issuedAt ? (
        <p className="text-slate-500 dark:text-slate-400">
          issued <LocalTime iso={issuedAt} />
        </p>
      ) : null}
      {verifiedAt ? (
        <p className="text-emerald-700 dark:text-emerald-300">
          verified <LocalTime iso={verifiedAt} />
        </p>
      ) : (
        <p className="text-slate-500 dark:text-slate-400">not verified yet</p>
      )}
    </div>
  );
}

/** A target's grant status, why an ended grant kept its access, and why it failed; the same for accounts and groups. */
function GrantStatusCell({
  grant,
  ungrantedText,
}: {
  grant: { status: GrantStatus; keptNote?: string | null; failureReason: string | null } | null;
  ungrantedText: string | null;
}) {
  return (
    <td className="px-5 py-3">
      {grant ? (
        <StatusBadge status={grant.status} kind="grant" />
      ) : (
        <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="ungranted-target">
          {ungrantedText}
        </span>
      )}
      {grant?.keptNote ? (
        <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400" data-testid="kept-note">
          {grant.keptNote}
        </span>
      ) : null}
      {grant?.failureReason ? (
        <span className="mt-1 block text-xs text-red-700 dark:text-red-300">{grant.failureReason}</span>
      ) : null}
    </td>
  );
}

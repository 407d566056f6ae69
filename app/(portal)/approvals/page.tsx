import Link from "next/link";
import { listApprovalQueue } from "@/lib/services/queries/approval-queue";
import { formatMinutes } from "@/components/format";
import { TargetList } from "@/components/target-list";
import { Badge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { Age, Countdown } from "@/components/ui/countdown";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { pageContext } from "../page-context";
import { DecisionForm } from "./decision-form";

export default async function ApprovalsPage() {
  const ctx = await pageContext(["APPROVER", "ADMIN"]);
  const queue = await listApprovalQueue({ ctx });
  const total = queue.requests.length + queue.extensions.length;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Approvals</h1>
          <p className="mt-1 text-sm text-slate-600">
            Requests the policy routes to you. Your own requests never appear here.
          </p>
        </div>
        <LiveRefresh active intervalMs={10_000} />
      </div>

      <Card title={`Pending requests (${queue.requests.length})`} testId="approval-queue">
        {queue.requests.length === 0 ? (
          <EmptyState>Nothing waits for your decision.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {queue.requests.map((r) => (
              <li
                key={r.id}
                className="grid grid-cols-1 gap-4 py-4 first:pt-0 last:pb-0 md:grid-cols-[minmax(0,1fr)_18rem]"
                data-testid="queue-item"
                data-request-id={r.id}
              >
                <div className="space-y-2">
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <span className="font-semibold">{r.requester.name ?? r.requester.email}</span>
                    {r.requester.name ? <span className="text-slate-500">{r.requester.email}</span> : null}
                    <span className="text-slate-500">
                      · waiting <Age from={r.createdAt.toISOString()} />
                    </span>
                    {r.approvalExpiresAt ? (
                      <Badge tone="amber">
                        expires in <Countdown to={r.approvalExpiresAt.toISOString()} endedText="now" />
                      </Badge>
                    ) : null}
                  </div>
                  <Link href={`/requests/${r.id}`} className="block hover:underline">
                    <TargetList targets={r.targets} showOu />
                  </Link>
                  <p className="text-sm text-slate-600">
                    {formatMinutes(r.durationMinutes)},{" "}
                    {r.startedImmediately ? (
                      "starting when approved"
                    ) : (
                      <>
                        from <LocalTime iso={r.startsAt.toISOString()} />
                      </>
                    )}
                  </p>
                  <blockquote className="border-l-2 border-slate-200 pl-3 text-sm whitespace-pre-wrap text-slate-800">
                    {r.justification}
                  </blockquote>
                  <p className="text-sm">
                    Ticket:{" "}
                    {r.ticket ? (
                      <span className="font-mono">{r.ticket}</span>
                    ) : (
                      <span className="text-slate-500">none</span>
                    )}{" "}
                    · Approvals:{" "}
                    <span className="font-semibold">
                      {r.approvals} of {r.requiredApprovals}
                    </span>
                  </p>
                  {r.decisions.length > 0 ? (
                    <ul className="text-xs text-slate-600">
                      {r.decisions.map((d) => (
                        <li key={`${d.approverName}-${d.at.toISOString()}`}>
                          {d.decision === "APPROVE" ? "Approved" : "Denied"} by {d.approverName}
                          {d.comment ? `: “${d.comment}”` : ""}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </div>
                <DecisionForm requestId={r.id} version={r.version} />
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title={`Extension requests (${queue.extensions.length})`} testId="extension-queue">
        {queue.extensions.length === 0 ? (
          <EmptyState>No extension waits for your decision.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {queue.extensions.map((x) => (
              <li
                key={x.id}
                className="grid grid-cols-1 gap-4 py-4 first:pt-0 last:pb-0 md:grid-cols-[minmax(0,1fr)_18rem]"
                data-testid="extension-item"
                data-request-id={x.id}
              >
                <div className="space-y-2">
                  <p className="text-sm">
                    <span className="font-semibold">{x.requester.name ?? x.requester.email}</span> asks for{" "}
                    <span className="font-semibold">+{formatMinutes(x.extraMinutes)}</span>
                    {x.requestedAt ? (
                      <span className="text-slate-500">
                        {" "}
                        · requested <Age from={x.requestedAt.toISOString()} /> ago
                      </span>
                    ) : null}
                  </p>
                  <Link href={`/requests/${x.id}`} className="block hover:underline">
                    <TargetList targets={x.targets} />
                  </Link>
                  <p className="text-sm text-slate-600">
                    Currently ends <LocalTime iso={x.endsAt.toISOString()} /> (<Countdown to={x.endsAt.toISOString()} />{" "}
                    left)
                  </p>
                  {x.justification ? (
                    <blockquote className="border-l-2 border-slate-200 pl-3 text-sm text-slate-800">
                      {x.justification}
                    </blockquote>
                  ) : null}
                  <p className="text-sm" data-testid="extension-approvals">
                    Approvals:{" "}
                    <span className="font-semibold">
                      {x.approvals} of {x.requiredApprovals}
                    </span>
                  </p>
                </div>
                <DecisionForm requestId={x.id} version={x.version} kind="extension" />
              </li>
            ))}
          </ul>
        )}
      </Card>
      {total === 0 ? null : <p className="text-xs text-slate-500">Denials need a comment; the requester sees it.</p>}
    </div>
  );
}

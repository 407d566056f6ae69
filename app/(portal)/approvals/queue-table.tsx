"use client";

import Link from "next/link";
import { startTransition, useActionState, useEffect, useRef, useState, type FormEvent } from "react";
import { RISK_LABELS, type RiskFlag } from "@/lib/domain/request-risk";
import type { QueueItem } from "@/lib/services/queries/approval-queue";
import { formatMinutes, targetLabel } from "@/components/format";
import { TargetList } from "@/components/target-list";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/card";
import { Age, Countdown } from "@/components/ui/countdown";
import { inputClass } from "@/components/ui/field";
import { LocalTime } from "@/components/ui/local-time";
import { bulkDecideAction, type BulkState } from "./actions";
import { DecisionForm } from "./decision-form";

const RISK_TONES: Record<RiskFlag, "red" | "amber" | "gray"> = {
  administrator: "red",
  production: "red",
  "long-window": "amber",
  "off-hours": "amber",
  "no-ticket": "gray",
};

const selectionKey = (item: QueueItem) => `${item.id}@${item.version}`;
const requestLabel = (item: QueueItem) =>
  `${item.requester.name ?? item.requester.email ?? "someone"}: ${[...item.targets.map(targetLabel), ...item.groups.map((g) => g.shortLabel)].join(", ")}`;

/** The pending requests as a table (stacked rows on a phone), each with its one-click decision, plus bulk decisions. */
export function QueueTable({ items, emptyText }: { items: QueueItem[]; emptyText: string }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [state, dispatch, pending] = useActionState<BulkState, FormData>(bulkDecideAction, null);
  // Labels of the rows a bulk decision was about: decided rows leave the queue, their outcome must still read clearly.
  const [labels, setLabels] = useState<Record<string, string>>({});
  const selectAll = useRef<HTMLInputElement>(null);

  const visibleKeys = items.map(selectionKey);
  const chosen = selected.filter((key) => visibleKeys.includes(key));
  const allChosen = chosen.length > 0 && chosen.length === visibleKeys.length;
  useEffect(() => {
    if (selectAll.current) selectAll.current.indeterminate = chosen.length > 0 && !allChosen;
  }, [chosen.length, allChosen]);

  const toggle = (key: string) =>
    setSelected((keys) => (keys.includes(key) ? keys.filter((k) => k !== key) : [...keys, key]));
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formData = new FormData(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter);
    setLabels(Object.fromEntries(items.map((item) => [item.id, requestLabel(item)])));
    startTransition(() => dispatch(formData));
    setSelected([]);
  };

  return (
    <div className="space-y-4">
      {items.length === 0 ? <EmptyState>{emptyText}</EmptyState> : null}
      <form
        hidden={items.length === 0}
        onSubmit={onSubmit}
        className="grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-slate-50 p-3 sm:grid-cols-[minmax(0,1fr)_auto] dark:border-slate-700 dark:bg-slate-800/60"
        data-testid="bulk-form"
      >
        {chosen.map((key) => (
          <input key={key} type="hidden" name="selected" value={key} />
        ))}
        <div className="space-y-1">
          <label htmlFor="bulk-comment" className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
            Comment for the selected requests{" "}
            <span className="font-normal text-slate-600 dark:text-slate-400">(required to deny)</span>
          </label>
          <input
            id="bulk-comment"
            name="comment"
            maxLength={1000}
            autoComplete="off"
            className={`${inputClass} w-full`}
          />
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <Button
            type="submit"
            name="decision"
            value="APPROVE"
            size="sm"
            disabled={pending || chosen.length === 0}
            data-testid="bulk-approve"
          >
            Approve selected ({chosen.length})
          </Button>
          <Button
            type="submit"
            name="decision"
            value="DENY"
            variant="danger"
            size="sm"
            disabled={pending || chosen.length === 0}
            data-testid="bulk-deny"
          >
            Deny selected ({chosen.length})
          </Button>
        </div>
      </form>

      {pending ? (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-300">
          Deciding the selected requests one by one…
        </p>
      ) : null}
      {state && !state.ok ? <Alert tone="error" title={state.message} testId="bulk-message" /> : null}
      {state?.ok ? (
        <Alert
          tone={state.outcomes.every((o) => o.ok) ? "success" : "warning"}
          title={`${state.outcomes.filter((o) => o.ok).length} of ${state.outcomes.length} decided`}
          testId="bulk-message"
        >
          <ul className="mt-1 space-y-1" data-testid="bulk-outcomes">
            {state.outcomes.map((o) => (
              <li
                key={o.requestId}
                data-testid="bulk-outcome"
                data-request-id={o.requestId}
                data-outcome={o.ok ? "decided" : "refused"}
              >
                <span className="font-semibold">{o.ok ? "Decided" : "Not decided"}</span> ·{" "}
                <Link href={`/requests/${o.requestId}`} className="underline">
                  {labels[o.requestId] ?? o.requestId}
                </Link>
                : {o.message}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}

      <table className="w-full text-left text-sm max-md:block" data-testid="queue-table" hidden={items.length === 0}>
        <thead className="border-b border-slate-200 text-xs tracking-wide text-slate-600 uppercase max-md:hidden dark:border-slate-700 dark:text-slate-400">
          <tr>
            <th scope="col" className="w-8 py-2 pr-2">
              <input
                ref={selectAll}
                type="checkbox"
                checked={allChosen}
                onChange={() => setSelected(allChosen ? [] : visibleKeys)}
                aria-label={`Select all ${items.length} requests shown`}
                className="size-4 accent-sky-700"
                data-testid="select-all"
              />
            </th>
            <th scope="col" className="py-2 pr-3 font-semibold">
              Request
            </th>
            <th scope="col" className="py-2 pr-3 font-semibold">
              Risk
            </th>
            <th scope="col" className="py-2 pr-3 font-semibold">
              Window
            </th>
            <th scope="col" className="py-2 pr-3 font-semibold">
              Waiting
            </th>
            <th scope="col" className="py-2 pr-3 font-semibold">
              Approvals
            </th>
            <th scope="col" className="py-2 font-semibold">
              Decide
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 max-md:block dark:divide-slate-800">
          {items.map((r) => {
            const key = selectionKey(r);
            const label = requestLabel(r);
            return (
              <tr
                key={r.id}
                className="align-top max-md:grid max-md:grid-cols-[auto_minmax(0,1fr)] max-md:gap-x-3 max-md:gap-y-2 max-md:py-4 max-md:[&>td+td]:col-start-2"
                data-testid="queue-item"
                data-request-id={r.id}
              >
                <td className="py-3 pr-2 max-md:row-span-6 max-md:py-0">
                  <input
                    type="checkbox"
                    checked={chosen.includes(key)}
                    onChange={() => toggle(key)}
                    aria-label={`Select request by ${label}`}
                    className="size-4 accent-sky-700"
                    data-testid="select-request"
                  />
                </td>
                <td className="min-w-0 space-y-1 py-3 pr-3 max-md:py-0">
                  <p>
                    <span className="font-semibold">{r.requester.name ?? r.requester.email}</span>{" "}
                    {r.requester.name ? (
                      <span className="break-all text-slate-600 dark:text-slate-400">{r.requester.email}</span>
                    ) : null}
                  </p>
                  <Link href={`/requests/${r.id}`} className="block hover:underline">
                    <TargetList targets={r.targets} groups={r.groups} showOu />
                  </Link>
                  <p
                    className="line-clamp-3 whitespace-pre-wrap text-slate-800 dark:text-slate-200"
                    title={r.justification}
                  >
                    {r.justification}
                  </p>
                  <p className="text-xs text-slate-600 dark:text-slate-400">
                    Ticket: {r.ticket ? <span className="font-mono">{r.ticket}</span> : "none"}
                    {r.ruleIds.length > 0 ? <> · rule {r.ruleIds.join(", ")}</> : null}
                  </p>
                </td>
                <td className="py-3 pr-3 max-md:py-0" data-testid="queue-risks">
                  <span className="font-semibold md:hidden">Risk: </span>
                  {r.risks.length === 0 ? (
                    <span className="text-xs text-slate-600 dark:text-slate-400">none flagged</span>
                  ) : (
                    <ul className="flex flex-wrap gap-1 md:flex-col md:items-start">
                      {r.risks.map((flag) => (
                        <li key={flag} data-risk={flag}>
                          <Badge tone={RISK_TONES[flag]}>{RISK_LABELS[flag]}</Badge>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="py-3 pr-3 whitespace-nowrap max-md:py-0 max-md:whitespace-normal">
                  <span className="font-semibold md:hidden">Window: </span>
                  {formatMinutes(r.durationMinutes)}
                  <span className="block text-xs text-slate-600 dark:text-slate-400">
                    {r.startedImmediately ? (
                      "from approval"
                    ) : (
                      <>
                        from <LocalTime iso={r.startsAt.toISOString()} />
                      </>
                    )}
                  </span>
                </td>
                <td className="py-3 pr-3 whitespace-nowrap max-md:py-0">
                  <span className="font-semibold md:hidden">Waiting: </span>
                  <Age from={r.createdAt.toISOString()} />
                  {r.approvalExpiresAt ? (
                    <span className="block text-xs text-amber-800 dark:text-amber-300">
                      lapses in <Countdown to={r.approvalExpiresAt.toISOString()} endedText="now" />
                    </span>
                  ) : null}
                </td>
                <td className="py-3 pr-3 max-md:py-0" data-testid="queue-progress">
                  <span className="font-semibold md:hidden">Approvals: </span>
                  <span className="font-semibold">
                    {r.approvals} of {r.requiredApprovals}
                  </span>
                  {r.requiredApprovals > 1 ? (
                    <span aria-hidden className="mt-1 block h-1.5 w-16 rounded-full bg-slate-200 dark:bg-slate-700">
                      <span
                        className="block h-1.5 rounded-full bg-sky-700 dark:bg-sky-400"
                        style={{ width: `${Math.min(100, (r.approvals / r.requiredApprovals) * 100)}%` }}
                      />
                    </span>
                  ) : null}
                  {r.decisions.length > 0 ? (
                    <ul className="mt-1 text-xs text-slate-600 dark:text-slate-400">
                      {r.decisions.map((d) => (
                        <li key={`${d.approverName}-${d.at.toISOString()}`}>
                          {d.decision === "APPROVE" ? "Approved" : "Denied"} by {d.approverName}
                          {d.comment ? `: “${d.comment}”` : ""}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </td>
                <td className="py-3 max-md:py-0 md:w-64">
                  <DecisionForm requestId={r.id} version={r.version} compact />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

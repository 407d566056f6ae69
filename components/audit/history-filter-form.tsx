"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { REQUEST_STATUS_LABELS } from "@/components/format";
import { buttonClass } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

export interface FilterValues {
  from?: string;
  to?: string;
  requester?: string;
  approver?: string;
  account?: string;
  ou?: string;
  permissionSet?: string;
  status?: string;
  event?: string;
  q?: string;
  kind?: string;
  sort?: string;
}

export interface FilterChoices {
  accounts: { id: string; name: string }[];
  ous: { id: string; label: string }[];
  permissionSets: { arn: string; name: string }[];
  events: { action: string; title: string }[];
}

const STATUSES = Object.keys(REQUEST_STATUS_LABELS);

function Labelled({
  id,
  label,
  children,
  wide = false,
}: {
  id: string;
  label: string;
  children: React.ReactNode;
  wide?: boolean;
}) {
  return (
    <div className={`min-w-0 space-y-1 ${wide ? "sm:col-span-2" : ""}`}>
      <label
        htmlFor={id}
        className="block text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400"
      >
        {label}
      </label>
      {children}
    </div>
  );
}

/**
 * A plain GET form (works without JavaScript); with it, empty fields are left out so the shared URL stays short.
 * `children` are extra fields submitted with the filters (the insights page's thresholds).
 */
export function HistoryFilterForm({
  action,
  values,
  choices,
  showRequester,
  children,
}: {
  action: string;
  values: FilterValues;
  choices: FilterChoices;
  showRequester: boolean;
  children?: React.ReactNode;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(event.currentTarget)) {
      if (typeof value === "string" && value.trim() !== "" && !(key === "sort" && value === "newest"))
        params.set(key, value.trim());
    }
    const query = params.toString();
    startTransition(() => router.push(query ? `${action}?${query}` : action));
  }

  const statusValue = values.status ?? "";
  return (
    <form
      method="get"
      action={action}
      onSubmit={submit}
      className="space-y-4"
      data-testid="history-filters"
      aria-busy={pending}
    >
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Labelled id="f-q" label="Search" wide>
          <input
            id="f-q"
            name="q"
            type="search"
            defaultValue={values.q}
            placeholder="Words from the justification, or a ticket"
            className={`${inputClass} w-full`}
            maxLength={200}
          />
        </Labelled>
        <Labelled id="f-from" label="From (UTC)">
          <input
            id="f-from"
            name="from"
            type="date"
            defaultValue={values.from?.slice(0, 10)}
            className={`${inputClass} w-full`}
          />
        </Labelled>
        <Labelled id="f-to" label="To (UTC, inclusive)">
          <input
            id="f-to"
            name="to"
            type="date"
            defaultValue={values.to?.slice(0, 10)}
            className={`${inputClass} w-full`}
          />
        </Labelled>
        {showRequester ? (
          <Labelled id="f-requester" label="Requester">
            <input
              id="f-requester"
              name="requester"
              type="email"
              defaultValue={values.requester}
              placeholder="email"
              className={`${inputClass} w-full`}
            />
          </Labelled>
        ) : null}
        <Labelled id="f-approver" label="Approver">
          <input
            id="f-approver"
            name="approver"
            type="email"
            defaultValue={values.approver}
            placeholder="email"
            className={`${inputClass} w-full`}
          />
        </Labelled>
        <Labelled id="f-account" label="Account">
          <select id="f-account" name="account" defaultValue={values.account ?? ""} className={`${inputClass} w-full`}>
            <option value="">Any account</option>
            {choices.accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.id})
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled id="f-ou" label="Organizational unit">
          <select id="f-ou" name="ou" defaultValue={values.ou ?? ""} className={`${inputClass} w-full`}>
            <option value="">Any OU</option>
            {choices.ous.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled id="f-permission-set" label="Permission set">
          <select
            id="f-permission-set"
            name="permissionSet"
            defaultValue={values.permissionSet ?? ""}
            className={`${inputClass} w-full`}
          >
            <option value="">Any permission set</option>
            {choices.permissionSets.map((p) => (
              <option key={p.arn} value={p.arn}>
                {p.name}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled id="f-status" label="Status">
          <select id="f-status" name="status" defaultValue={statusValue} className={`${inputClass} w-full`}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {REQUEST_STATUS_LABELS[s]}
              </option>
            ))}
            {statusValue.includes(",") ? (
              <option value={statusValue}>
                {statusValue
                  .split(",")
                  .map((s) => REQUEST_STATUS_LABELS[s] ?? s)
                  .join(" or ")}
              </option>
            ) : null}
          </select>
        </Labelled>
        <Labelled id="f-event" label="Event type">
          <select id="f-event" name="event" defaultValue={values.event ?? ""} className={`${inputClass} w-full`}>
            <option value="">Any event</option>
            {choices.events.map((e) => (
              <option key={e.action} value={e.action}>
                {e.title}
              </option>
            ))}
            {values.event && !choices.events.some((e) => e.action === values.event) ? (
              <option value={values.event}>{values.event}</option>
            ) : null}
          </select>
        </Labelled>
        <Labelled id="f-kind" label="Kind">
          <select id="f-kind" name="kind" defaultValue={values.kind ?? ""} className={`${inputClass} w-full`}>
            <option value="">All requests</option>
            <option value="break-glass">Emergency access (break-glass) only</option>
          </select>
        </Labelled>
        <Labelled id="f-sort" label="Order">
          <select id="f-sort" name="sort" defaultValue={values.sort ?? "newest"} className={`${inputClass} w-full`}>
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
          </select>
        </Labelled>
      </div>
      {children}
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className={buttonClass("primary")} data-testid="apply-filters" disabled={pending}>
          {pending ? "Loading…" : "Apply filters"}
        </button>
        <Link href={action} className={buttonClass("ghost")} data-testid="reset-filters">
          Reset
        </Link>
      </div>
    </form>
  );
}

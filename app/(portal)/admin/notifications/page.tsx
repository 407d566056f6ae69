import Link from "next/link";
import { NOTIFICATION_EVENTS } from "@/lib/domain/notifications";
import type { DeliveryStatus, NotificationChannel } from "@/lib/generated/prisma/enums";
import {
  notificationDeliveries,
  type DeliveryFilter,
  type DeliveryRow,
  type DeliveryTarget,
} from "@/lib/services/queries/notification-deliveries";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { pageContext } from "../../page-context";
import { RetryDeliveryForm } from "./retry-form";

type SearchParams = Record<string, string | string[] | undefined>;

const CHANNEL_LABELS: Record<NotificationChannel, string> = { SLACK: "Slack", EMAIL: "Email", WEBHOOK: "Webhook" };
const STATUS_LABELS: Record<DeliveryStatus, string> = {
  PENDING: "Pending",
  SENT: "Sent",
  SKIPPED: "Skipped",
  DEAD: "Dead",
};
const STATUS_TONES = { PENDING: "amber", SENT: "green", SKIPPED: "gray", DEAD: "red" } as const;
const CHANNELS = Object.keys(CHANNEL_LABELS) as NotificationChannel[];
const STATUSES = Object.keys(STATUS_LABELS) as DeliveryStatus[];

function filterHref(filter: DeliveryFilter): string {
  const params = new URLSearchParams();
  if (filter.channel) params.set("channel", filter.channel);
  if (filter.status) params.set("status", filter.status);
  const query = params.toString();
  return query ? `/admin/notifications?${query}` : "/admin/notifications";
}

function targetText(target: DeliveryTarget): string {
  switch (target.kind) {
    case "slack-channel":
      return `channel ${target.channel}`;
    case "slack-dm":
      return `direct message to ${target.email}`;
    case "slack-copies":
      return "every posted copy of the approval message";
    case "email":
      return target.address;
    case "webhook":
      return `endpoint ${target.endpoint}`;
    case "unknown":
      return target.raw;
  }
}

function eventSummary(event: string): string {
  return (NOTIFICATION_EVENTS as Record<string, { summary: string } | undefined>)[event]?.summary ?? event;
}

function WhenCell({ row }: { row: DeliveryRow }) {
  if (row.status === "PENDING")
    return (
      <>
        next <LocalTime iso={row.nextAttemptAt.toISOString()} />
      </>
    );
  if (row.status === "SENT")
    return (
      <>
        sent <LocalTime iso={row.sentAt?.toISOString()} />
      </>
    );
  return (
    <>
      {row.status === "DEAD" ? "gave up" : "skipped"} <LocalTime iso={row.updatedAt.toISOString()} />
    </>
  );
}

function DeliveryItem({ row }: { row: DeliveryRow }) {
  const target = targetText(row.target);
  return (
    <tr data-testid="delivery-row" data-delivery-id={row.id} data-status={row.status} data-channel={row.channel}>
      <th scope="row" className="px-5 py-3 text-left font-normal">
        <span className="block">{eventSummary(row.event)}</span>
        <code className="text-xs text-slate-500 dark:text-slate-400">{row.event}</code>
      </th>
      <td className="px-5 py-3">
        <span className="block text-xs font-semibold text-slate-500 dark:text-slate-400">
          {CHANNEL_LABELS[row.channel]}
        </span>
        <span className="break-all" data-testid="delivery-target">
          {target}
        </span>
      </td>
      <td className="px-5 py-3">
        <span data-testid="delivery-status" data-status={row.status}>
          <Badge tone={STATUS_TONES[row.status]}>{STATUS_LABELS[row.status]}</Badge>
        </span>
      </td>
      <td className="px-5 py-3 text-right tabular-nums">{row.attempts}</td>
      <td className="px-5 py-3 whitespace-nowrap">
        <WhenCell row={row} />
      </td>
      <td className="max-w-xs px-5 py-3 break-words text-slate-700 dark:text-slate-300" data-testid="delivery-error">
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
      <td className="px-5 py-3">
        {row.status === "DEAD" ? (
          <RetryDeliveryForm deliveryId={row.id} label={`Retry ${eventSummary(row.event)} to ${target}`} />
        ) : null}
      </td>
    </tr>
  );
}

// Admins: what the notification outbox delivered, what it still tries, and what it gave up on (retried from here).
export default async function NotificationsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext(["ADMIN"]);
  const params = await searchParams;
  const { filter, counts, deliveries } = await notificationDeliveries({
    ctx,
    input: { channel: params.channel, status: params.status },
  });
  const filtered = Boolean(filter.channel || filter.status);
  const shown = [
    filter.channel ? CHANNEL_LABELS[filter.channel] : null,
    filter.status ? STATUS_LABELS[filter.status].toLowerCase() : null,
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Notifications</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Slack, email and webhook deliveries from the outbox. A delivery that kept failing is dead: fix the cause,
            then retry it.
          </p>
        </div>
        <LiveRefresh active intervalMs={15_000} />
      </div>

      <Card title="By channel" testId="delivery-counts">
        <TableScroll label="Outbox counts">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Deliveries per channel and status</caption>
            <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-5 py-2 font-semibold">
                  Channel
                </th>
                {STATUSES.map((status) => (
                  <th key={status} scope="col" className="px-5 py-2 text-right font-semibold">
                    {STATUS_LABELS[status]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {counts.map((row) => (
                <tr key={row.channel} data-testid="channel-counts" data-channel={row.channel}>
                  <th scope="row" className="px-5 py-2 font-semibold">
                    {CHANNEL_LABELS[row.channel]}
                  </th>
                  {STATUSES.map((status) => (
                    <td key={status} className="px-5 py-2 text-right tabular-nums" data-status={status}>
                      {row.byStatus[status] > 0 ? (
                        <Link
                          href={filterHref({ channel: row.channel, status })}
                          className={`hover:underline ${status === "DEAD" ? "font-semibold text-red-700 dark:text-red-300" : "text-sky-700 dark:text-sky-300"}`}
                          aria-label={`${row.byStatus[status]} ${STATUS_LABELS[status].toLowerCase()} ${CHANNEL_LABELS[row.channel]} deliveries`}
                        >
                          {row.byStatus[status]}
                        </Link>
                      ) : (
                        <span className="text-slate-500 dark:text-slate-400">0</span>
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </Card>

      <Card title="Deliveries" testId="deliveries">
        <form
          method="get"
          action="/admin/notifications"
          className="mb-4 flex flex-wrap items-end gap-3"
          data-testid="delivery-filters"
          aria-label="Filter deliveries"
        >
          <div className="space-y-1">
            <label htmlFor="f-channel" className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
              Channel
            </label>
            <select id="f-channel" name="channel" defaultValue={filter.channel ?? ""} className={inputClass}>
              <option value="">Any channel</option>
              {CHANNELS.map((channel) => (
                <option key={channel} value={channel}>
                  {CHANNEL_LABELS[channel]}
                </option>
              ))}
            </select>
          </div>
          <div className="space-y-1">
            <label htmlFor="f-status" className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
              Status
            </label>
            <select id="f-status" name="status" defaultValue={filter.status ?? ""} className={inputClass}>
              <option value="">Any status</option>
              {STATUSES.map((status) => (
                <option key={status} value={status}>
                  {STATUS_LABELS[status]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className={buttonClass("secondary")}>
            Filter
          </button>
          {filtered ? (
            <Link
              href="/admin/notifications"
              className="py-2 text-sm text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
            >
              Show all
            </Link>
          ) : null}
        </form>
        {deliveries.length === 0 ? (
          <EmptyState>{filtered ? "No deliveries match this filter." : "Nothing has been sent yet."}</EmptyState>
        ) : (
          // relative: the screen-reader-only header is positioned, and must not widen the page from inside the scroller.
          <TableScroll label="Deliveries" testId="deliveries-scroll">
            <table className="w-full min-w-[56rem] text-left text-sm">
              <caption className="px-5 pb-2 text-left text-xs text-slate-500 dark:text-slate-400">
                The latest {deliveries.length} deliveries{shown ? ` (${shown})` : ""}, most recently changed first.
              </caption>
              <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                <tr>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Event
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Target
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Status
                  </th>
                  <th scope="col" className="px-5 py-2 text-right font-semibold">
                    Attempts
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    When
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Last error
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    Request
                  </th>
                  <th scope="col" className="px-5 py-2 font-semibold">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 align-top dark:divide-slate-800">
                {deliveries.map((row) => (
                  <DeliveryItem key={row.id} row={row} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Card>
    </div>
  );
}

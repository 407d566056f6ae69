import Link from "next/link";
import { Suspense } from "react";
import type { ServiceContext } from "@/lib/services/context";
import { checkAuditIntegrity } from "@/lib/services/queries/audit-integrity";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Card, DescriptionList } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { LocalTime } from "@/components/ui/local-time";
import { pageContext } from "../../page-context";

type SearchParams = Record<string, string | string[] | undefined>;

const KIND_LABELS = { altered: "altered", "removed-or-reordered": "removed, inserted or reordered" } as const;

async function IntegrityResult({ ctx, anchor }: { ctx: ServiceContext; anchor: string | undefined }) {
  const report = await checkAuditIntegrity({ ctx, input: { anchor } });
  const seconds = (report.durationMs / 1000).toFixed(1);
  return (
    <div className="space-y-6">
      {report.intact ? (
        <Alert tone="success" title="The audit chain is intact" testId="chain-status">
          <span data-intact="true">
            Every one of the {report.events.toLocaleString("en-US")} events still matches its hash and links to the one
            before it (checked in {seconds} s).
          </span>
        </Alert>
      ) : (
        <Alert tone="error" title="The audit chain is broken" testId="chain-status">
          <span data-intact="false">
            The first {report.events.toLocaleString("en-US")} events verify; event #{report.problem!.seq} was{" "}
            {KIND_LABELS[report.problem!.kind]}: {report.problem!.detail}.
          </span>
        </Alert>
      )}

      <Card title="Result">
        <DescriptionList
          items={[
            { label: "Checked", value: <LocalTime iso={report.checkedAt.toISOString()} /> },
            {
              label: "Events verified",
              value: <span data-testid="chain-events">{report.events.toLocaleString("en-US")}</span>,
            },
            ...(report.intact
              ? [
                  { label: "Latest event", value: report.lastSeq ? `#${report.lastSeq}` : "none yet" },
                  {
                    label: "Latest hash",
                    value: (
                      <code className="font-mono text-xs break-all" data-testid="chain-head">
                        {report.lastHash ?? "—"}
                      </code>
                    ),
                  },
                  {
                    label: "Anchor line",
                    value: report.lastSeq ? (
                      <code
                        className="font-mono text-xs break-all"
                        data-testid="anchor-line"
                      >{`${report.lastSeq} ${report.lastHash}`}</code>
                    ) : (
                      "—"
                    ),
                  },
                ]
              : [
                  {
                    label: "First broken event",
                    value: (
                      <span className="font-mono" data-testid="broken-seq">
                        #{report.problem!.seq}
                      </span>
                    ),
                  },
                  {
                    label: "Event id",
                    value: <code className="font-mono text-xs break-all">{report.problem!.id}</code>,
                  },
                  {
                    label: "What it claims",
                    value: report.problem!.action
                      ? `${report.problem!.action}${report.problem!.occurredAt ? ` at ${report.problem!.occurredAt.toISOString()}` : ""}`
                      : "the row is gone",
                  },
                  ...(report.problem!.requestId
                    ? [
                        {
                          label: "Request",
                          value: (
                            <Link
                              href={`/audit/requests/${report.problem!.requestId}`}
                              className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                            >
                              {report.problem!.requestId}
                            </Link>
                          ),
                        },
                      ]
                    : []),
                ]),
          ]}
        />
      </Card>

      {report.anchor ? (
        report.anchor.status === "match" ? (
          <Alert tone="success" title="The anchor matches" testId="anchor-result">
            Event #{report.anchor.seq} still carries the anchored hash
            {report.intact
              ? ", and the chain up to it verifies: nothing before it was changed."
              : ", but the chain is broken elsewhere (see above)."}
          </Alert>
        ) : report.anchor.status === "unreadable" ? (
          <Alert tone="warning" title="The anchor could not be read" testId="anchor-result">
            {report.anchor.detail}
          </Alert>
        ) : (
          <Alert tone="error" title="The anchor does not match" testId="anchor-result">
            Event #{report.anchor.seq}: {report.anchor.detail}.
            {report.anchor.status === "mismatch" ? (
              <span className="mt-1 block font-mono text-xs break-all">
                anchored {report.anchor.expected}
                <br />
                stored {report.anchor.actual}
              </span>
            ) : null}
          </Alert>
        )
      ) : null}
    </div>
  );
}

export default async function IntegrityPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext(["AUDITOR", "ADMIN"]);
  const params = await searchParams;
  const anchor = typeof params.anchor === "string" && params.anchor.trim() ? params.anchor.slice(0, 300) : undefined;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Audit chain integrity</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
          Every audit event stores the SHA-256 of the event before it. This page re-reads the whole log in order and
          recomputes each hash, so an edited, deleted or reordered event is named here. A rewrite of the entire table is
          caught by comparing with a hash kept outside the database (docs/audit-anchoring.md).
        </p>
      </div>

      <Suspense
        fallback={
          <Alert tone="info" title="Verifying the chain…" testId="chain-verifying">
            Reading every event in order; about 20 seconds per million events.
          </Alert>
        }
      >
        <IntegrityResult ctx={ctx} anchor={anchor} />
      </Suspense>

      <Card title="Compare with an anchor">
        <form
          method="get"
          action="/audit/integrity"
          className="flex flex-wrap items-end gap-3"
          data-testid="anchor-form"
        >
          <label className="min-w-72 flex-1 space-y-1 text-sm font-semibold text-slate-800 dark:text-slate-200">
            Sequence number and hash from your external copy
            <input
              name="anchor"
              defaultValue={anchor}
              placeholder="1042 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
              className={`${inputClass} font-mono`}
              maxLength={300}
            />
          </label>
          <button type="submit" className={buttonClass("secondary")}>
            Verify again with this anchor
          </button>
        </form>
      </Card>
    </div>
  );
}

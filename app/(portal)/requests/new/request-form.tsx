"use client";

import { useMemo, useState, useSyncExternalStore } from "react";
import { groupTargetShortLabel } from "@/lib/domain/group-targets";
import type { RequestPrefill } from "@/lib/domain/request-prefill";
import { sessionNotice } from "@/lib/domain/request-presentation";
import { ticketMatches } from "@/lib/domain/ticket-pattern";
import type {
  AccountOption,
  GroupOption,
  PermissionSetOption,
  TargetSearchResult,
} from "@/lib/services/queries/request-form-options";
import { formatMinutes } from "@/components/format";
import { FormMessage, useActionForm } from "@/components/ui/action-form";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, FieldErrors, inputClass } from "@/components/ui/field";
import { createRequestAction } from "./actions";
import { TargetPicker, targetKey, type PickedAccount } from "./target-picker";

const PRESETS = [30, 60, 120, 240, 480];
// Each field's name in the error summary, so a message says which field it is about.
const FIELD_LABELS: Record<string, string> = {
  targets: "Accounts and permission sets",
  groups: "Identity Center groups",
  durationMinutes: "Duration",
  startMode: "Start",
  startsAt: "Start time",
  justification: "Justification",
  ticket: "Ticket",
};
const noop = () => () => {};

interface Selected {
  account: PickedAccount;
  set: PermissionSetOption;
}

const keyOf = targetKey;

/** "2026-11-23T14:05" in the browser's time zone, the format datetime-local speaks. */
function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The datetime-local value is the user's wall-clock time; Date parses it as local time, and the server gets UTC. */
function localInputToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** "up to 2 h · 1 approval · ticket required": what joining a group takes, in one line. */
function groupRequirements(group: GroupOption): string {
  const approval = group.autoApprove
    ? "approved automatically"
    : `${group.requiredApprovals} approval${group.requiredApprovals === 1 ? "" : "s"}`;
  return [
    `up to ${formatMinutes(group.maxDurationMinutes)}`,
    approval,
    group.ticket.required ? "ticket required" : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

export function RequestForm({
  initialResults,
  groups,
  prefilledTargets,
  minDurationMinutes,
  prefill,
}: {
  /** The first search results, rendered by the server. */
  initialResults: TargetSearchResult;
  /** The Identity Center groups the policy lets this requester join; empty hides the choice. */
  groups: GroupOption[];
  /** The prefill's targets that the policy still offers, with what each requires. */
  prefilledTargets: AccountOption[];
  minDurationMinutes: number;
  /** From "Request again"; targets the policy no longer offers are dropped. */
  prefill?: RequestPrefill | undefined;
}) {
  const { state, pending, onSubmit, errorsFor } = useActionForm(createRequestAction);
  const hydrated = useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
  // Picked targets keep what they require, whatever the search shows now; prefilled ones in the link's order.
  const [selected, setSelected] = useState<Selected[]>(() => {
    const offered = new Map(
      prefilledTargets.flatMap((account) =>
        account.permissionSets.map((set) => [keyOf(account.id, set.arn), { account, set }] as const),
      ),
    );
    return (prefill?.targets ?? []).flatMap((key) => offered.get(key) ?? []);
  });
  const [duration, setDuration] = useState<{ mode: "preset"; minutes: number } | { mode: "custom"; text: string }>(
    () => {
      const minutes = prefill?.durationMinutes;
      if (!minutes) return { mode: "preset", minutes: 60 };
      return PRESETS.includes(minutes) ? { mode: "preset", minutes } : { mode: "custom", text: String(minutes) };
    },
  );
  // Account access or group membership: a request is one or the other, never both.
  const [kind, setKind] = useState<"account" | "group">(() =>
    initialResults.message && groups.length > 0 ? "group" : "account",
  );
  const [pickedGroups, setPickedGroups] = useState<string[]>([]);
  const [startMode, setStartMode] = useState<"now" | "scheduled">("now");
  const [startLocal, setStartLocal] = useState("");
  const [justification, setJustification] = useState(prefill?.justification ?? "");
  const [ticket, setTicket] = useState("");

  const selectedKeys = useMemo(() => selected.map((s) => keyOf(s.account.id, s.set.arn)), [selected]);

  const chosenGroups = kind === "group" ? groups.filter((g) => pickedGroups.includes(g.name)) : [];
  // What each picked item requires; the strictest across them applies, as the policy evaluates it on submit.
  const picked: Pick<GroupOption, "maxDurationMinutes" | "ticket" | "autoApprove" | "requiredApprovals">[] =
    kind === "account" ? selected.map((s) => s.set) : chosenGroups;
  const maxMinutes = picked.length > 0 ? Math.min(...picked.map((p) => p.maxDurationMinutes)) : null;
  const ticketRequired = picked.some((p) => p.ticket.required);
  const ticketPatterns = [...new Set(picked.flatMap((p) => p.ticket.patterns))];
  const ticketExamples = [...new Set(picked.flatMap((p) => p.ticket.examples))];
  const autoApprove = picked.length > 0 && picked.every((p) => p.autoApprove);
  const approvalsNeeded = Math.max(0, ...picked.filter((p) => !p.autoApprove).map((p) => p.requiredApprovals));
  const durationMinutes = duration.mode === "preset" ? duration.minutes : Number(duration.text);
  const durationValid = Number.isInteger(durationMinutes) && durationMinutes >= minDurationMinutes;
  const overMax = maxMinutes !== null && durationValid && durationMinutes > maxMinutes;
  const ticketMismatch =
    ticket.trim() !== "" && ticketPatterns.some((pattern) => !ticketMatches(pattern, ticket.trim()));
  // One notice for the whole request, as the request page shows it once it runs.
  const sessions = sessionNotice(
    (kind === "account" ? selected : []).map((s) => ({
      permissionSetName: s.set.name,
      sessionDurationMinutes: s.set.sessionDurationMinutes,
      sessionRevocation: s.set.sessionRevocation,
    })),
  );
  const startsAtIso = startMode === "scheduled" ? localInputToIso(startLocal) : null;
  const timeZone = hydrated ? Intl.DateTimeFormat().resolvedOptions().timeZone : null;

  const toggleGroup = (name: string) =>
    setPickedGroups((current) => (current.includes(name) ? current.filter((g) => g !== name) : [...current, name]));

  const toggle = (account: PickedAccount, set: PermissionSetOption) => {
    const key = keyOf(account.id, set.arn);
    setSelected((current) =>
      current.some((s) => keyOf(s.account.id, s.set.arn) === key)
        ? current.filter((s) => keyOf(s.account.id, s.set.arn) !== key)
        : [...current, { account: { id: account.id, name: account.name, ouPath: account.ouPath }, set }],
    );
  };

  return (
    <form
      onSubmit={onSubmit}
      className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]"
      data-testid="request-form"
      noValidate
    >
      <div className="space-y-6">
        <FormMessage state={state} fieldLabels={FIELD_LABELS} />

        <fieldset className="min-w-0 space-y-3 rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900">
          <legend className="px-1 text-base font-semibold">1. What do you need?</legend>
          {groups.length > 0 ? (
            <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm" role="radiogroup" aria-label="Kind of access">
              <RadioOptions
                name="kind"
                value={kind}
                onChange={setKind}
                options={[
                  { value: "account", label: "Account access", testId: "kind-account" },
                  { value: "group", label: "Group membership", testId: "kind-group" },
                ]}
              />
            </div>
          ) : null}
          {kind === "group" ? (
            <div className="space-y-2">
              <p id="groups-label" className="text-sm text-slate-700 dark:text-slate-300">
                Identity Center groups you may join for a while. You are added when the access starts and removed when
                it ends; AWS sessions already opened through the group run until their own end.
              </p>
              <ul className="space-y-2" aria-labelledby="groups-label" data-testid="group-options">
                {groups.map((group) => (
                  <li key={group.name}>
                    <label className="flex cursor-pointer items-start gap-3 rounded-lg border border-slate-200 p-3 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800">
                      <input
                        type="checkbox"
                        name="group"
                        value={group.name}
                        checked={pickedGroups.includes(group.name)}
                        onChange={() => toggleGroup(group.name)}
                        className="mt-1 accent-sky-700"
                        data-testid="group-option"
                      />
                      <span className="min-w-0">
                        <span className="block font-semibold break-words">{groupTargetShortLabel(group.name)}</span>
                        <span className="block text-xs text-slate-600 dark:text-slate-400">
                          {groupRequirements(group)}
                        </span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
              <FieldErrors id="groups-error" errors={errorsFor("groups")} />
            </div>
          ) : initialResults.message ? (
            <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="no-account-options">
              {initialResults.message}
            </p>
          ) : (
            <TargetPicker initial={initialResults} selectedKeys={selectedKeys} onToggle={toggle} />
          )}
          <FieldErrors id="targets-error" errors={errorsFor("targets")} />
        </fieldset>

        <fieldset className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900">
          <legend className="px-1 text-base font-semibold">2. When and for how long?</legend>
          <div className="space-y-1">
            <span id="duration-label" className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
              Duration
            </span>
            <div className="flex flex-wrap gap-2" role="group" aria-labelledby="duration-label">
              {PRESETS.map((minutes) => {
                const disabled = maxMinutes !== null && minutes > maxMinutes;
                const active = duration.mode === "preset" && duration.minutes === minutes;
                return (
                  <button
                    key={minutes}
                    type="button"
                    disabled={disabled}
                    aria-pressed={active}
                    onClick={() => setDuration({ mode: "preset", minutes })}
                    className={`rounded-md border px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-40 ${active ? "border-sky-700 bg-sky-700 text-white dark:border-sky-400" : "border-slate-300 bg-white hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-900 dark:hover:bg-slate-800"}`}
                  >
                    {formatMinutes(minutes)}
                  </button>
                );
              })}
              <button
                type="button"
                aria-pressed={duration.mode === "custom"}
                onClick={() => setDuration({ mode: "custom", text: String(durationMinutes || "") })}
                className={`rounded-md border px-3 py-1.5 text-sm font-semibold ${duration.mode === "custom" ? "border-sky-700 bg-sky-700 text-white dark:border-sky-400" : "border-slate-300 bg-white hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-900 dark:hover:bg-slate-800"}`}
              >
                Custom
              </button>
            </div>
            {duration.mode === "custom" ? (
              <div className="flex items-center gap-2 pt-2">
                <label htmlFor="custom-minutes" className="text-sm">
                  Minutes
                </label>
                <input
                  id="custom-minutes"
                  type="number"
                  inputMode="numeric"
                  min={minDurationMinutes}
                  max={maxMinutes ?? undefined}
                  step={1}
                  value={duration.text}
                  onChange={(e) => setDuration({ mode: "custom", text: e.target.value })}
                  className={`${inputClass} w-32`}
                  aria-invalid={Boolean(errorsFor("durationMinutes")) || overMax}
                  data-testid="custom-minutes"
                />
                {durationValid ? (
                  <span className="text-sm text-slate-500 dark:text-slate-400">= {formatMinutes(durationMinutes)}</span>
                ) : null}
              </div>
            ) : null}
            <input
              type="hidden"
              name="durationMinutes"
              value={duration.mode === "preset" ? String(duration.minutes) : duration.text}
            />
            <p className="text-xs text-slate-500 dark:text-slate-400">
              {maxMinutes !== null
                ? `The policy allows at most ${formatMinutes(maxMinutes)} for what you picked.`
                : "Pick targets to see the policy's limit."}
            </p>
            {overMax ? (
              <p className="text-sm text-red-700 dark:text-red-300">
                That is longer than the {formatMinutes(maxMinutes!)} the policy allows.
              </p>
            ) : null}
            <FieldErrors id="durationMinutes-error" errors={errorsFor("durationMinutes")} />
          </div>

          <div className="space-y-2">
            <span className="block text-sm font-semibold text-slate-800 dark:text-slate-200">Start</span>
            <div className="flex flex-wrap gap-4 text-sm">
              <RadioOptions
                name="startMode"
                value={startMode}
                onChange={setStartMode}
                options={[
                  { value: "now", label: "Now (as soon as it is approved)" },
                  { value: "scheduled", label: "At a scheduled time" },
                ]}
              />
            </div>
            {startMode === "scheduled" ? (
              <div className="space-y-1">
                <label htmlFor="starts-at" className="sr-only">
                  Start time
                </label>
                <input
                  id="starts-at"
                  type="datetime-local"
                  value={startLocal}
                  min={hydrated ? toLocalInput(new Date()) : undefined}
                  onChange={(e) => setStartLocal(e.target.value)}
                  className={`${inputClass} w-64`}
                  aria-invalid={Boolean(errorsFor("startsAt"))}
                  data-testid="starts-at"
                />
                {timeZone ? (
                  <p className="text-xs text-slate-500 dark:text-slate-400">Your time zone: {timeZone}</p>
                ) : null}
                {startsAtIso ? <input type="hidden" name="startsAt" value={startsAtIso} /> : null}
              </div>
            ) : null}
            <FieldErrors id="startMode-error" errors={errorsFor("startMode")} />
            <FieldErrors id="startsAt-error" errors={errorsFor("startsAt")} />
          </div>
        </fieldset>

        <fieldset className="space-y-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900">
          <legend className="px-1 text-base font-semibold">3. Why?</legend>
          <Field
            id="justification"
            label="Justification"
            required
            errors={errorsFor("justification")}
            hint={`${justification.trim().length} characters; at least 10. Approvers and auditors read this.`}
          >
            <textarea
              id="justification"
              name="justification"
              rows={3}
              value={justification}
              onChange={(e) => setJustification(e.target.value)}
              className={`${inputClass} w-full`}
              aria-invalid={Boolean(errorsFor("justification"))}
              placeholder="What will you do with this access?"
            />
          </Field>
          {ticketRequired || ticketPatterns.length > 0 ? (
            <Field
              id="ticket"
              label="Ticket"
              required={ticketRequired}
              errors={errorsFor("ticket")}
              hint={
                ticketExamples.length > 0 ? (
                  <span data-testid="ticket-hint">For example {ticketExamples.join(" or ")}.</span>
                ) : ticketPatterns.length > 0 ? (
                  <>
                    Expected format:{" "}
                    {ticketPatterns.map((p) => (
                      <code key={p} className="mr-1 rounded bg-slate-100 px-1 dark:bg-slate-800">
                        {p}
                      </code>
                    ))}
                  </>
                ) : (
                  "The change or incident ticket this work belongs to."
                )
              }
            >
              <input
                id="ticket"
                name="ticket"
                value={ticket}
                onChange={(e) => setTicket(e.target.value)}
                className={`${inputClass} w-64`}
                aria-invalid={Boolean(errorsFor("ticket")) || ticketMismatch}
                autoComplete="off"
                maxLength={64}
                placeholder={ticketExamples[0]}
              />
              {ticketMismatch && !errorsFor("ticket") ? (
                <p className="text-sm text-amber-700 dark:text-amber-300" data-testid="ticket-mismatch">
                  This does not have the expected form yet.
                </p>
              ) : null}
            </Field>
          ) : null}
        </fieldset>
      </div>

      <aside className="space-y-4 lg:sticky lg:top-6 lg:self-start">
        <div
          className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-700 dark:bg-slate-900"
          data-testid="request-summary"
        >
          <h2 className="font-semibold">Your request</h2>
          {picked.length === 0 ? (
            <p className="mt-2 text-sm text-slate-500 dark:text-slate-400">Nothing picked yet.</p>
          ) : kind === "group" ? (
            <ul className="mt-2 space-y-1 text-sm">
              {chosenGroups.map((group) => (
                <li key={group.name} className="flex items-start justify-between gap-2">
                  <span className="min-w-0 font-semibold break-words">{groupTargetShortLabel(group.name)}</span>
                  <button
                    type="button"
                    onClick={() => toggleGroup(group.name)}
                    className="text-xs text-slate-500 underline hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
                    aria-label={`Remove ${groupTargetShortLabel(group.name)}`}
                  >
                    remove
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <ul className="mt-2 space-y-1 text-sm">
              {selected.map((s) => (
                <li key={keyOf(s.account.id, s.set.arn)} className="flex items-start justify-between gap-2">
                  <span>
                    <span className="font-semibold">{s.set.name}</span> on {s.account.name}
                  </span>
                  <button
                    type="button"
                    onClick={() => toggle(s.account, s.set)}
                    className="text-xs text-slate-500 underline hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
                    aria-label={`Remove ${s.set.name} on ${s.account.name}`}
                  >
                    remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <dl className="mt-4 space-y-1 text-sm">
            <div className="flex justify-between gap-2">
              <dt className="text-slate-500 dark:text-slate-400">Duration</dt>
              <dd>{durationValid ? formatMinutes(durationMinutes) : "—"}</dd>
            </div>
            <div className="flex justify-between gap-2">
              <dt className="text-slate-500 dark:text-slate-400">Starts</dt>
              <dd>
                {startMode === "now" ? "now" : startsAtIso && hydrated ? new Date(startsAtIso).toLocaleString() : "—"}
              </dd>
            </div>
            <div className="flex justify-between gap-2">
              <dt className="text-slate-500 dark:text-slate-400">Approval</dt>
              <dd>
                {picked.length === 0
                  ? "—"
                  : autoApprove
                    ? "automatic"
                    : `${approvalsNeeded} approver${approvalsNeeded === 1 ? "" : "s"}`}
              </dd>
            </div>
          </dl>
          <Button type="submit" disabled={pending} className="mt-4 w-full" data-testid="submit-request">
            {pending ? "Submitting…" : "Submit request"}
          </Button>
        </div>
        {sessions ? (
          <Alert
            tone={sessions.kind === "cut" ? "info" : "warning"}
            title={sessions.kind === "cut" ? "Sessions end with this access" : "Sessions can outlive this access"}
            testId="form-session-warning"
          >
            <p data-kind={sessions.kind}>{sessions.text}</p>
          </Alert>
        ) : null}
      </aside>
    </form>
  );
}

/** One labelled radio button per option, for a choice held in state. */
function RadioOptions<T extends string>({
  name,
  value,
  onChange,
  options,
}: {
  name: string;
  value: T;
  onChange: (value: T) => void;
  options: { value: T; label: string; testId?: string }[];
}) {
  return options.map((option) => (
    <label key={option.value} className="flex items-center gap-2">
      <input
        type="radio"
        name={name}
        value={option.value}
        checked={value === option.value}
        onChange={() => onChange(option.value)}
        className="accent-sky-700"
        data-testid={option.testId}
      />
      {option.label}
    </label>
  ));
}

"use client";

import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import type {
  AccountOption,
  PermissionSetOption,
  TargetSearchResult,
} from "@/lib/services/queries/request-form-options";
import { formatMinutes } from "@/components/format";
import { Button } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

export const targetKey = (accountId: string, arn: string) => `${accountId}|${arn}`;
export type PickedAccount = Pick<AccountOption, "id" | "name" | "ouPath">;

// Long enough that typing a word asks once, short enough to feel live.
const SEARCH_DELAY_MS = 250;
const count = (n: number) => n.toLocaleString("en-US");

function statusText(result: TargetSearchResult): string {
  if (result.matching === 0) return result.query ? `No eligible target matches “${result.query}”.` : "";
  const shown = `Showing ${count(result.shown)} of ${count(result.matching)} target${result.matching === 1 ? "" : "s"}`;
  const more = result.matching - result.shown;
  return more > 0 ? `${shown}. ${count(more)} more: refine your search to see them.` : `${shown}.`;
}

/**
 * Server-side search of what the policy lets this requester ask for: the server renders the first results (so a slow script
 * never blocks picking), typing asks /api/request-targets, and the Search button works as a plain GET without script.
 * Each result is a native checkbox; arrow keys move between them and Escape returns to the search field.
 */
export function TargetPicker({
  initial,
  selectedKeys,
  onToggle,
}: {
  initial: TargetSearchResult;
  selectedKeys: readonly string[];
  onToggle: (account: PickedAccount, set: PermissionSetOption) => void;
}) {
  const [query, setQuery] = useState(initial.query);
  const [result, setResult] = useState(initial);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const inFlight = useRef<AbortController | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const runSearch = async (text: string) => {
    if (timer.current) clearTimeout(timer.current);
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setLoading(true);
    try {
      const response = await fetch(`/api/request-targets?${new URLSearchParams({ q: text.trim() })}`, {
        signal: controller.signal,
        headers: { accept: "application/json" },
      });
      const body = (await response.json()) as { ok: boolean; result?: TargetSearchResult };
      if (controller.signal.aborted) return;
      if (!body.ok || !body.result) throw new Error("search refused");
      setResult(body.result);
      setFailed(false);
    } catch {
      if (!controller.signal.aborted) setFailed(true);
    } finally {
      if (!controller.signal.aborted) setLoading(false);
    }
  };

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      inFlight.current?.abort();
    },
    [],
  );

  const onQueryChange = (text: string) => {
    setQuery(text);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void runSearch(text), SEARCH_DELAY_MS);
  };

  // With script the button searches in place; an Enter typed in another field still submits the request.
  const onSearchClick = (event: MouseEvent<HTMLButtonElement>) => {
    event.preventDefault();
    const active = document.activeElement;
    if (active === searchRef.current || active === event.currentTarget) void runSearch(query);
    else event.currentTarget.form?.requestSubmit();
  };

  const checkboxes = () => [...(listRef.current?.querySelectorAll<HTMLInputElement>('input[type="checkbox"]') ?? [])];
  const onSearchKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== "ArrowDown") return;
    const first = checkboxes()[0];
    if (!first) return;
    event.preventDefault();
    first.focus();
  };
  const onListKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const boxes = checkboxes();
    const at = boxes.indexOf(document.activeElement as HTMLInputElement);
    if (at < 0) return;
    const next =
      event.key === "ArrowDown"
        ? boxes[Math.min(at + 1, boxes.length - 1)]
        : event.key === "ArrowUp"
          ? at === 0
            ? searchRef.current
            : boxes[at - 1]
          : event.key === "Home"
            ? boxes[0]
            : event.key === "End"
              ? boxes.at(-1)
              : event.key === "Escape"
                ? searchRef.current
                : undefined;
    if (!next) return;
    event.preventDefault();
    next.focus();
  };

  const shownKeys = new Set(
    result.accounts.flatMap((account) => account.permissionSets.map((set) => targetKey(account.id, set.arn))),
  );
  const status = failed ? "The search did not answer. Try again." : loading ? "Searching…" : statusText(result);

  return (
    <div className="space-y-3">
      <label htmlFor="account-search" className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
        Search accounts and permission sets
      </label>
      <div className="flex gap-2">
        <input
          ref={searchRef}
          id="account-search"
          name="q"
          type="search"
          value={query}
          onChange={(e) => onQueryChange(e.target.value)}
          onKeyDown={onSearchKeyDown}
          placeholder="Account name, id, OU path or permission set"
          className={`${inputClass} min-w-0 flex-1`}
          autoComplete="off"
          maxLength={200}
          aria-controls="account-list"
          aria-describedby="target-search-status"
          data-testid="account-search"
        />
        <Button
          type="submit"
          variant="secondary"
          formMethod="get"
          formAction="/requests/new"
          formNoValidate
          onClick={onSearchClick}
          data-testid="account-search-submit"
        >
          Search
        </Button>
      </div>
      <p
        id="target-search-status"
        role="status"
        className="text-sm text-slate-600 dark:text-slate-400"
        data-testid="target-search-status"
      >
        {status}
      </p>
      <div
        ref={listRef}
        id="account-list"
        onKeyDown={onListKeyDown}
        aria-busy={loading}
        className={
          result.accounts.length === 0
            ? undefined
            : "divide-y divide-slate-100 rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-700"
        }
        data-testid="account-list"
      >
        {result.accounts.map((account) => (
          <div
            key={account.id}
            role="group"
            aria-label={`${account.name} (${account.id})`}
            className="p-3"
            data-testid="account-option"
            data-account-id={account.id}
          >
            <div className="flex flex-wrap items-baseline gap-x-2">
              <span className="font-semibold">{account.name}</span>
              <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{account.id}</span>
              <span className="text-xs break-all text-slate-600 dark:text-slate-400">{account.ouPath}</span>
            </div>
            <div className="mt-2 flex flex-wrap gap-2">
              {account.permissionSets.map((set) => {
                const key = targetKey(account.id, set.arn);
                const checked = selectedKeys.includes(key);
                return (
                  <label
                    key={set.arn}
                    title={set.description ?? undefined}
                    className={`flex cursor-pointer items-center gap-2 rounded-md border px-2.5 py-1.5 text-sm ${checked ? "border-sky-600 bg-sky-50 dark:border-sky-400 dark:bg-sky-950" : "border-slate-300 bg-white hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-900 dark:hover:bg-slate-800"}`}
                  >
                    <input
                      type="checkbox"
                      name="target"
                      value={key}
                      checked={checked}
                      onChange={() => onToggle(account, set)}
                      aria-label={`${set.name} on ${account.name}`}
                      className="accent-sky-700"
                    />
                    <span className="font-semibold">{set.name}</span>
                    <span className="text-xs text-slate-600 dark:text-slate-400">
                      session {formatMinutes(set.sessionDurationMinutes)} · max {formatMinutes(set.maxDurationMinutes)}
                      {set.autoApprove
                        ? " · no approval"
                        : ` · ${set.requiredApprovals} approval${set.requiredApprovals === 1 ? "" : "s"}`}
                      {set.ticket.required ? " · ticket" : ""}
                    </span>
                  </label>
                );
              })}
            </div>
          </div>
        ))}
      </div>
      {/* Picked targets the current results do not show still travel with the form. */}
      {selectedKeys
        .filter((key) => !shownKeys.has(key))
        .map((key) => (
          <input key={key} type="hidden" name="target" value={key} />
        ))}
    </div>
  );
}

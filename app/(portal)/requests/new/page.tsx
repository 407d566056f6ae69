import { readRequestPrefill } from "@/lib/domain/request-prefill";
import Link from "next/link";
import { canBreakGlass } from "@/lib/services/queries/break-glass";
import {
  listRequestableGroups,
  resolveRequestTargets,
  searchRequestTargets,
  TargetSearch,
} from "@/lib/services/queries/request-form-options";
import { Alert } from "@/components/ui/alert";
import { PERMISSIONS } from "@/lib/services/authorize";
import { pageContext } from "../../page-context";
import { RequestForm } from "./request-form";

export default async function NewRequestPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ctx = await pageContext([...PERMISSIONS["request.create"]]);
  const params = await searchParams;
  const prefill = readRequestPrefill(params);
  // ?q= is the Search button's answer without script; a hand-made one that does not parse shows the first results.
  const search = TargetSearch.safeParse({ q: params.q });
  const [results, prefilledTargets, groups, emergency] = await Promise.all([
    searchRequestTargets({ ctx, input: search.success ? search.data : {} }),
    resolveRequestTargets({ ctx, keys: prefill?.targets ?? [] }),
    listRequestableGroups({ ctx }),
    canBreakGlass({ ctx }).catch(() => false),
  ]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Request access</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Only what the access policy lets you request is listed. Access is granted for the window you choose and
          removed when it ends.
        </p>
        {emergency ? (
          <p className="mt-2 text-sm">
            During an incident that cannot wait for approval:{" "}
            <Link
              href="/break-glass/new"
              className="font-semibold text-red-700 underline dark:text-red-300"
              data-testid="emergency-access"
            >
              Emergency access
            </Link>
          </p>
        ) : null}
      </div>
      {results.message && groups.length === 0 ? (
        <Alert tone="warning" title="Nothing to request" testId="no-options">
          {results.message}
        </Alert>
      ) : (
        <RequestForm
          initialResults={results}
          groups={groups}
          prefilledTargets={prefilledTargets}
          minDurationMinutes={results.minDurationMinutes}
          prefill={prefill}
        />
      )}
    </div>
  );
}
